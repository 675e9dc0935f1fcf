namespace Educloud.IdPortenSimulator;

/// <summary>A synthetic person; the name is shown only on the simulator's own page (ID-porten sends no names).</summary>
public sealed record SyntheticPerson(string Pid, string Name);

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
}
