namespace Educloud.IdPortenSimulator;

/// <summary>
/// ID-porten's levels of assurance (acr): idporten-loa-low, -substantial and -high for Norwegian
/// eIDs, eidas-loa-low, -substantial and -high for foreign eIDs through eIDAS
/// (docs.digdir.no/docs/idporten/oidc/oidc_protocol_id_token, "acr"). acr_values asks for a
/// minimum: ID-porten never logs a person in below the lowest level asked for, and when nothing is
/// asked, substantial is the minimum.
/// </summary>
internal static class Levels
{
    public const string Low = "idporten-loa-low";
    public const string Substantial = "idporten-loa-substantial";
    public const string High = "idporten-loa-high";
    public const string EidasLow = "eidas-loa-low";
    public const string EidasSubstantial = "eidas-loa-substantial";
    public const string EidasHigh = "eidas-loa-high";

    public const int LowRank = 1;
    public const int SubstantialRank = 2;
    public const int HighRank = 3;

    public static readonly string[] All = [Low, Substantial, High, EidasLow, EidasSubstantial, EidasHigh];

    public static int? Rank(string? acr) => acr switch
    {
        Low or EidasLow => LowRank,
        Substantial or EidasSubstantial => SubstantialRank,
        High or EidasHigh => HighRank,
        _ => null,
    };

    /// <summary>The acr for a level: eidas-loa-* for a person who came through eIDAS.</summary>
    public static string Acr(int rank, bool eidas) => (rank, eidas) switch
    {
        (LowRank, false) => Low,
        (SubstantialRank, false) => Substantial,
        (HighRank, false) => High,
        (LowRank, true) => EidasLow,
        (SubstantialRank, true) => EidasSubstantial,
        (HighRank, true) => EidasHigh,
        _ => throw new ArgumentOutOfRangeException(nameof(rank)),
    };
}
