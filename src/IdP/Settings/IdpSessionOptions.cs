namespace Educloud.Idp.Settings;

public sealed class IdpSessionOptions
{
    public const string Section = "Session";

    /// <summary>The IdP session ends after this long without use (NIST 800-63B rev 4 AAL2: at most 1 hour).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The IdP session ends this long after login whatever happens (AAL2: at most 24 hours).</summary>
    public TimeSpan AbsoluteTimeout { get; set; } = TimeSpan.FromHours(12);
}
