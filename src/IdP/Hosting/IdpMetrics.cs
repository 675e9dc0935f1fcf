using System.Diagnostics.Metrics;
using Educloud.Idp.Totp;

namespace Educloud.Idp.Hosting;

/// <summary>
/// The IdP's own counters (meter "Educloud.Idp"), exported with OpenTelemetry when an OTLP
/// endpoint is configured. Tags are a handful of fixed values: never a user, a client IP or a code.
/// A rising share of wrong or reused codes, or of lockouts, is what an attack on the second factor
/// looks like from outside.
/// </summary>
public sealed class IdpMetrics
{
    public const string MeterName = "Educloud.Idp";

    private readonly Counter<long> logins;
    private readonly Counter<long> codeChecks;
    private readonly Counter<long> enrollments;
    private readonly Counter<long> upstreamRefusals;

    public IdpMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        logins = meter.CreateCounter<long>("educloud.idp.logins", "{login}", "Logins completed with both factors (a session started), by first factor.");
        codeChecks = meter.CreateCounter<long>("educloud.idp.totp.checks", "{check}", "One-time codes checked, by result.");
        enrollments = meter.CreateCounter<long>("educloud.idp.totp.enrollments", "{authenticator}", "Authenticators confirmed, new or replacing one.");
        upstreamRefusals = meter.CreateCounter<long>("educloud.idp.idporten.refusals", "{login}", "ID-porten logins refused here, by reason.");
    }

    public void LoginCompleted(bool password) => logins.Add(1, new KeyValuePair<string, object?>("first_factor", password ? "password" : "idporten"));

    public TotpResult CodeChecked(TotpResult result)
    {
        codeChecks.Add(1, new KeyValuePair<string, object?>("result", result switch
        {
            TotpResult.Accepted => "accepted",
            TotpResult.WrongCode => "wrong_code",
            TotpResult.Reused => "reused",
            TotpResult.LockedOut => "locked_out",
            TotpResult.AlreadyConfirmed => "already_confirmed",
            TotpResult.Expired => "expired",
            _ => "no_authenticator",
        }));
        return result;
    }

    public void AuthenticatorConfirmed(bool replaced) => enrollments.Add(1, new KeyValuePair<string, object?>("replaced", replaced));

    /// <param name="reason">One of: error, acr, no_pid, not_registered, not_fresh.</param>
    public void UpstreamRefused(string reason) => upstreamRefusals.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
