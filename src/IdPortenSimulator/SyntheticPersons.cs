namespace Educloud.IdPortenSimulator;

/// <summary>A synthetic person; the name is shown only on the simulator's own page (ID-porten sends no names).</summary>
public sealed record SyntheticPerson(string Pid, string Name);

/// <summary>
/// A synthetic person from another EU/EEA country who logs in through eIDAS: ID-porten sends no
/// pid for them (unless Norway's population register links them to a D-number, which these never
/// are), but the eIDAS attributes: identifier ("country of origin/NO/national identifier"),
/// first name, last name and date of birth (docs.digdir.no/docs/idporten/oidc/oidc_func_eidas).
/// </summary>
public sealed record EidasPerson(string Identifier, string FirstName, string LastName, string DateOfBirth)
{
    public string Name => $"{FirstName} {LastName}";
}

public static class SyntheticPersons
{
    // TestID-shaped: ddMMyy with the month + 80 (so they can never be real fødselsnummer),
    // an individual number matching the century, and valid mod-11 check digits.
    public static IReadOnlyList<SyntheticPerson> All { get; } =
    [
        new("03818533119", "Kari Vindheim"),
        new("17849240420", "Ola Fjellstad"),
        new("09877866677", "Ingrid Åsmyr"),
        new("24900251285", "Bjørn Havlund"),
        new("12926684041", "Sigrid Elvebakk"),
        new("28839954885", "Nils Tindeberg"),
    ];

    /// <summary>People who log in with a foreign eID; offered on the page as "eidas-0", "eidas-1", ...</summary>
    public static IReadOnlyList<EidasPerson> Eidas { get; } =
    [
        new("SE/NO/199004161234", "Astrid", "Lindqvist", "1990-04-16"),
        new("DE/NO/T220001293", "Jonas", "Becker", "1985-11-02"),
    ];
}

/// <summary>Who logged in: a Norwegian person (pid) or an eIDAS person (no pid).</summary>
internal sealed record LoggedInPerson(string? Pid, EidasPerson? Eidas)
{
    /// <summary>What the pairwise sub is made from.</summary>
    public string Key => Pid ?? Eidas!.Identifier;

    public bool IsEidas => Eidas is not null;
}
