using System.Globalization;

namespace Educloud.Shared.Localization;

/// <summary>
/// Times as people read them: Europe/Oslo (summer time included) in the page's language, e.g.
/// "2. desember 2026 kl. 10:05" or "2 December 2026, 10:05". Formatted here rather than by a
/// culture because the processes run without ICU (<see cref="Languages"/>).
/// </summary>
public static class LocalTime
{
    private static readonly TimeZoneInfo Oslo = TimeZoneInfo.FindSystemTimeZoneById("Europe/Oslo");

    // Bokmål and Nynorsk name the months alike.
    private static readonly string[] NorwegianMonths =
        ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"];

    private static readonly string[] EnglishMonths =
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    /// <summary>The wall-clock time in Oslo.</summary>
    public static DateTime InOslo(DateTimeOffset when) => TimeZoneInfo.ConvertTime(when, Oslo).DateTime;

    /// <summary>
    /// The instant a wall-clock time in Oslo names (a time typed by a person). A time the spring
    /// change skips is read as the hour after; one the autumn change repeats, by the standard offset.
    /// </summary>
    public static DateTimeOffset FromOslo(DateTime wallClock)
    {
        var local = DateTime.SpecifyKind(wallClock, DateTimeKind.Unspecified);
        var offset = Oslo.IsInvalidTime(local) ? Oslo.GetUtcOffset(local.AddHours(1)) : Oslo.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }

    /// <summary>Date and time of day in the current page language.</summary>
    public static string DateAndTime(DateTimeOffset when) => DateAndTime(when, Languages.Current);

    public static string DateAndTime(DateTimeOffset when, string language)
    {
        var local = InOslo(when);
        return language == Languages.English
            ? $"{Date(local, language)}, {TimeOfDay(local)}"
            : $"{Date(local, language)} kl. {TimeOfDay(local)}";
    }

    /// <summary>The date alone ("2. desember 2026", "2 December 2026").</summary>
    public static string Date(DateTimeOffset when) => Date(InOslo(when), Languages.Current);

    /// <summary>The time of day alone ("10:05"), rounded down to the minute.</summary>
    public static string TimeOfDay(DateTimeOffset when) => TimeOfDay(InOslo(when));

    private static string Date(DateTime local, string language) => language == Languages.English
        ? string.Create(CultureInfo.InvariantCulture, $"{local.Day} {EnglishMonths[local.Month - 1]} {local.Year}")
        : string.Create(CultureInfo.InvariantCulture, $"{local.Day}. {NorwegianMonths[local.Month - 1]} {local.Year}");

    private static string TimeOfDay(DateTime local) => local.ToString("HH:mm", CultureInfo.InvariantCulture);
}
