using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using Educloud.Idp.Hosting;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Idp.Totp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.Hosting;

/// <summary>
/// The IdP's own counters, and their way out: OpenTelemetry over OTLP to a real HTTP receiver
/// started here, with no query string (codes, state, PKCE) in what leaves.
/// </summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task LoginsAndCodeChecks_AreCounted_ByResult_WithoutPeopleInTheTags()
    {
        using var idp = new IdpHost();
        var factory = idp.Services.GetRequiredService<IMeterFactory>();
        var counted = new ConcurrentDictionary<string, long>();
        var tagValues = new ConcurrentBag<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == IdpMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name + string.Concat(tags.ToArray().Select(t => $"|{t.Key}={t.Value}"));
            counted.AddOrUpdate(key, value, (_, old) => old + value);
            foreach (var tag in tags)
            {
                tagValues.Add($"{tag.Value}");
            }
        });
        listener.Start();
        var pid = Flows.NewPid();

        // First login: set-up (a confirmed authenticator), then a login with a wrong code first.
        var first = idp.NewBrowser();
        await Flows.LogInAtIdPortenAsync(first, await first.GetAsync(IdpHost.Origin + "/account/login"), pid);
        var second = idp.NewBrowser();
        var codePage = await Flows.ThroughIdPortenAsync(second, IdpHost.Origin + "/account/login", pid);
        var wrong = TotpCode.Compute(idp.Authenticators.SecretOf(pid), idp.Clock.GetUtcNow().AddHours(1));
        await second.SubmitAsync(codePage, "form[method=post]", new Dictionary<string, string> { ["code"] = wrong });

        counted.Should().Contain("educloud.idp.totp.enrollments|replaced=False", 1);
        counted.Should().Contain("educloud.idp.totp.checks|result=accepted", 1, "the set-up's confirming code");
        counted.Should().Contain("educloud.idp.totp.checks|result=wrong_code", 1);
        counted.Should().Contain("educloud.idp.logins|first_factor=idporten", 1);
        tagValues.Should().NotContain(v => v.Contains(pid) || v == wrong);
    }

    [Fact]
    public async Task WithAnOtlpEndpoint_MetricsAndTracesAreExported_WithoutQueryStrings()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var idp = new IdpHost(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Address,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        });

        await using var app = await RelyingParty.StartAsync(idp);
        var browser = idp.NewBrowser(app);
        await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.AppOrigin + "/protected"), Flows.NewPid());

        var metrics = await receiver.FirstAsync("/v1/metrics", body => body.Contains("educloud.idp.logins", StringComparison.Ordinal));
        var traces = await receiver.FirstAsync("/v1/traces", body => body.Contains("/connect/token", StringComparison.Ordinal));

        metrics.Should().Contain("educloud-idp");
        traces.Should().Contain("educloud-idp");
        receiver.Bodies("/v1/traces").Should().NotContain(body => body.Contains("code_challenge=", StringComparison.Ordinal) || body.Contains("code=", StringComparison.Ordinal));
    }

    /// <summary>A minimal OTLP/HTTP receiver: accepts what is posted and keeps it.</summary>
    private sealed class OtlpReceiver : IAsyncDisposable
    {
        private readonly WebApplication app;
        private readonly ConcurrentQueue<(string Path, string Body)> received = new();
        private readonly ConcurrentBag<(string Path, Func<string, bool> Match, TaskCompletionSource<string> Done)> waiting = [];

        private OtlpReceiver(WebApplication app) => this.app = app;

        public string Address => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        public static async Task<OtlpReceiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var receiver = new OtlpReceiver(app);
            app.MapPost("/v1/{signal}", async (HttpContext http) =>
            {
                using var buffer = new MemoryStream();
                await http.Request.Body.CopyToAsync(buffer);
                // Protobuf: names and strings are in it as UTF-8, which is all these tests look for.
                receiver.Add(http.Request.Path, Encoding.UTF8.GetString(buffer.ToArray()));
                return Results.Ok();
            });
            await app.StartAsync();
            return receiver;
        }

        public IEnumerable<string> Bodies(string path) => received.Where(r => r.Path == path).Select(r => r.Body);

        public Task<string> FirstAsync(string path, Func<string, bool> match)
        {
            var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            waiting.Add((path, match, done));
            foreach (var body in Bodies(path).Where(match))
            {
                done.TrySetResult(body);
            }

            return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        public async ValueTask DisposeAsync() => await app.DisposeAsync();

        private void Add(string path, string body)
        {
            received.Enqueue((path, body));
            foreach (var wait in waiting.Where(w => w.Path == path && w.Match(body)))
            {
                wait.Done.TrySetResult(body);
            }
        }
    }
}
