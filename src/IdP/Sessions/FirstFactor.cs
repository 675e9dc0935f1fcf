namespace Educloud.Idp.Sessions;

/// <summary>How a person proved the first factor of a login.</summary>
public enum FirstFactorKind
{
    /// <summary>A login at ID-porten (Federation/FederationEndpoints.cs): its acr, amr and session come with it.</summary>
    IdPorten,

    /// <summary>
    /// Our own password (Pages/Account/Login), or an enrollment code from support with a new
    /// password (Pages/Account/EnrollWithCode). There is no upstream login.
    /// </summary>
    Password,
}

/// <summary>
/// A first factor, proven. Only an ID-porten login carries upstream facts (<see cref="IdPorten"/>);
/// a password login is said as such, never dressed up as an upstream login.
/// </summary>
public sealed record FirstFactor
{
    private FirstFactor(FirstFactorKind kind, UpstreamLogin? idPorten)
    {
        Kind = kind;
        IdPorten = idPorten;
    }

    public FirstFactorKind Kind { get; }

    /// <summary>What ID-porten said (level of assurance, methods, its session and id_token); null for a password.</summary>
    public UpstreamLogin? IdPorten { get; }

    public static FirstFactor Password { get; } = new(FirstFactorKind.Password, null);

    public static FirstFactor FromIdPorten(UpstreamLogin login) => new(FirstFactorKind.IdPorten, login);

    /// <summary>The value kept in the pending login's cookie.</summary>
    internal string Name => Kind == FirstFactorKind.IdPorten ? "idporten" : "password";
}
