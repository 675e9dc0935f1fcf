using System.Collections.Concurrent;
using Educloud.Idp.Totp;

namespace Educloud.Idp.Tests.Infrastructure;

/// <summary>
/// What the test people's authenticator apps hold: the secret scanned at enrollment, and the last
/// time step used, so that a second login in the same 30 s uses the next step's code (the IdP
/// accepts each code once) instead of failing as a replay.
/// </summary>
public sealed class AuthenticatorApps
{
    private readonly ConcurrentDictionary<string, App> apps = new();

    public void Scanned(string pid, byte[] secret) => apps[pid] = new App(secret);

    public bool Has(string pid) => apps.ContainsKey(pid);

    public byte[] SecretOf(string pid) => apps[pid].Secret;

    public IReadOnlyList<string> CodesGiven(string pid) => [.. apps[pid].Codes];

    /// <summary>A code the IdP has not seen yet, within one step of drift.</summary>
    public string NextCode(string pid, TimeProvider clock)
    {
        var app = apps[pid];
        lock (app)
        {
            var now = clock.GetUtcNow();
            var current = TotpCode.TimeStep(now, 30);
            // Never the previous step: on a loaded machine the IdP may check the code in the next
            // step already, and current - 1 would then be two steps old (outside the drift window).
            var step = Math.Max(current, app.LastStep + 1);
            if (step > current + 1)
            {
                throw new InvalidOperationException($"Person {pid} logged in more than twice within one 30 s step; use another person or move the clock.");
            }

            app.LastStep = step;
            var code = TotpCode.Compute(app.Secret, DateTimeOffset.FromUnixTimeSeconds(step * 30));
            app.Codes.Add(code);
            return code;
        }
    }

    private sealed class App(byte[] secret)
    {
        public byte[] Secret { get; } = secret;

        public long LastStep { get; set; } = -1;

        public List<string> Codes { get; } = [];
    }
}
