using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AngleSharp.Html.Dom;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Idp.Topology.Infrastructure;

namespace Educloud.Idp.Topology;

/// <summary>
/// The real topology of issue 10: PostgreSQL, two replicas in Production behind nginx (round-robin,
/// no stickiness, TLS), the simulator as ID-porten. Each request's replica is read from nginx's
/// X-Upstream header. Tests that stop a part start it again, so their order does not matter.
/// </summary>
public sealed class TopologyTests(TopologyFixture topology, ITestOutputHelper output) : IClassFixture<TopologyFixture>, IDisposable
{
    /// <summary>What the replicas and nginx wrote, shown with a failing test.</summary>
    public void Dispose() => output.WriteLine(topology.Diagnostics());

    [Fact]
    public async Task Enrollment_FirstLogin_RequestsAlternateBetweenReplicas_AndTheFactorIsStored()
    {
        using var person = new Visitor(topology);

        var tokens = await person.LogInAsync();

        person.Landings.Landings.Should().Contain(l => l.Method == "POST" && l.Path == "/account/enroll");
        ShouldAlternate(person.IdpUpstreams);
        topology.Count($"SELECT count(*) FROM \"TotpFactors\" WHERE \"UserId\" = '{tokens.Subject}' AND \"ConfirmedAt\" IS NOT NULL").Should().Be(1);
    }

    [Fact]
    public async Task Login_WithCode_RequestsAlternateBetweenReplicas_AndEndInTokens()
    {
        using var enrolled = new Visitor(topology);
        var first = await enrolled.LogInAsync();
        using var again = new Visitor(topology, enrolled.Pid);

        var tokens = await again.LogInAsync();

        tokens.Subject.Should().Be(first.Subject);
        again.Landings.Landings.Should().Contain(l => l.Method == "POST" && l.Path == "/account/code");
        ShouldAlternate(again.IdpUpstreams);
    }

    [Fact]
    public async Task SupportRevoke_ThroughTheAdminApi_AlternatesReplicas_AndTheRefreshTokenFailsOnTheOtherReplica()
    {
        using var person = new Visitor(topology);
        var tokens = await person.LogInAsync();
        using var support = new Visitor(topology);
        var supporter = await support.LogInAsync();
        await Replica.RunCommandAsync(topology.WithPort(0), "grant-role", supporter.Subject, "support");
        var console = await support.LogInAsync(TopologyFixture.ConsoleClientId, "openid profile admin_api");
        support.Landings.Clear();

        var (found, users) = await support.CallAsync(HttpMethod.Get, $"/api/admin/users?q={person.Pid}", console.AccessToken);
        var (revoked, problem) = await support.CallAsync(HttpMethod.Post, $"/api/admin/users/{tokens.Subject}/authenticator/revoke", console.AccessToken, new { reason = "Lost phone (topology test)" });
        person.Landings.Clear();
        var (refreshed, refusal) = await person.RefreshAsync(tokens.RefreshToken!);

        found.Should().Be(HttpStatusCode.OK, users);
        JsonDocument.Parse(users).RootElement.EnumerateArray().Single().GetProperty("id").GetString().Should().Be(tokens.Subject);
        revoked.Should().Be(HttpStatusCode.NoContent, problem);
        ShouldAlternate(support.IdpUpstreams, atLeast: 2);
        refreshed.Should().Be(HttpStatusCode.BadRequest, refusal.ToString());
        refusal.GetProperty("error").GetString().Should().Be("invalid_grant");
        person.IdpUpstreams.Single().Should().NotBe(support.IdpUpstreams[^1], "the refresh came to the replica that did not revoke");
        topology.Count($"SELECT count(*) FROM \"TotpFactors\" WHERE \"UserId\" = '{tokens.Subject}' AND \"State\" = 'Active'").Should().Be(0);
    }

    [Fact]
    public async Task RevocationOnOneReplica_TheRefreshTokenFailsOnTheOther_AtTheNextRequest()
    {
        using var person = new Visitor(topology);
        var tokens = await person.LogInAsync();
        person.Landings.Clear();

        using var revocation = await person.PostFormAsync("/connect/revoke", new Dictionary<string, string>
        {
            ["token"] = tokens.RefreshToken!,
            ["token_type_hint"] = "refresh_token",
        });
        var (status, body) = await person.RefreshAsync(tokens.RefreshToken!);

        revocation.StatusCode.Should().Be(HttpStatusCode.OK);
        status.Should().Be(HttpStatusCode.BadRequest, body.ToString());
        body.GetProperty("error").GetString().Should().Be("invalid_grant");
        person.IdpUpstreams.Should().HaveCount(2);
        person.IdpUpstreams[1].Should().NotBe(person.IdpUpstreams[0], "the revocation and the refresh landed on different replicas");
    }

    [Fact]
    public async Task OneRefreshToken_RedeemedAtOnceOnBothReplicas_OneSucceeds_AndTheReuseRevokesTheFamily()
    {
        using var person = new Visitor(topology);
        var tokens = await person.LogInAsync();
        person.Landings.Clear();

        var results = await Task.WhenAll(person.RefreshAsync(tokens.RefreshToken!), person.RefreshAsync(tokens.RefreshToken!));

        person.IdpUpstreams.Should().OnlyHaveUniqueItems("one redemption went to each replica").And.HaveCount(2);
        results.Count(r => r.Status == HttpStatusCode.OK).Should().Be(1, string.Join("\n", results.Select(r => r.Body.ToString())));
        var refused = results.Single(r => r.Status != HttpStatusCode.OK);
        refused.Status.Should().Be(HttpStatusCode.BadRequest);
        refused.Body.GetProperty("error").GetString().Should().Be("invalid_grant");
        var successor = results.Single(r => r.Status == HttpStatusCode.OK).Body.GetProperty("refresh_token").GetString()!;
        var (status, body) = await person.RefreshAsync(successor);
        status.Should().Be(HttpStatusCode.BadRequest, "presenting a used refresh token revokes the whole family: " + body);
    }

    [Fact]
    public async Task OneTotpCode_SubmittedFiftyTimesAtOnce_HalfOnEachReplica_ExactlyOneSucceeds()
    {
        const int Attempts = 50;
        using var owner = new Visitor(topology);
        var tokens = await owner.LogInAsync();
        var visitors = Enumerable.Range(0, Attempts).Select(_ => new Visitor(topology, owner.Pid)).ToList();
        try
        {
            // Fifty pending logins of the one person, each at the code page (ten at a time).
            var codePages = new BrowserPage[Attempts];
            foreach (var batch in Enumerable.Range(0, Attempts).Chunk(10))
            {
                await Task.WhenAll(batch.Select(async i =>
                    codePages[i] = await visitors[i].ThroughIdPortenAsync(await visitors[i].Browser.GetAsync(visitors[i].Idp("/account/login").AbsoluteUri))));
            }

            codePages.Should().OnlyContain(p => p.Address.AbsolutePath == "/account/code" && p.Status == HttpStatusCode.OK);
            var sessionsBefore = topology.Count($"SELECT count(*) FROM \"Sessions\" WHERE \"UserId\" = '{tokens.Subject}'");
            visitors.ForEach(v => v.Landings.Clear());
            var code = topology.Phones.NextCode(owner.Pid, TimeProvider.System);

            // Not following redirects: only the fifty posts go through nginx's round-robin.
            var results = await Task.WhenAll(visitors.Select((v, i) => v.Browser.SendAsync(CodePost(codePages[i], code), followRedirects: false)));

            var upstreams = visitors.Select(v => v.IdpUpstreams.Single()).ToList();
            upstreams.GroupBy(u => u).Select(g => g.Count()).Should().BeEquivalentTo([Attempts / 2, Attempts / 2], "half the posts went to each replica");
            results.Count(r => r.Status is HttpStatusCode.Found or HttpStatusCode.SeeOther).Should().Be(1,
                string.Join(", ", results.Select(r => (int)r.Status)));
            results.Count(r => (int)r.Status is >= 400 and < 500).Should().Be(Attempts - 1, "the others are refused, never a server error");
            topology.Count($"SELECT count(*) FROM \"Sessions\" WHERE \"UserId\" = '{tokens.Subject}'").Should().Be(sessionsBefore + 1);
        }
        finally
        {
            visitors.ForEach(v => v.Dispose());
        }
    }

    [Fact]
    public async Task SigkillOfOneReplica_DuringLogins_TheOtherKeepsServing_OnlyInFlightFail_NothingCommittedIsLost()
    {
        const int Workers = 3;
        const int AfterKill = 2;
        var killed = topology.B;
        var completed = new ConcurrentBag<(string Subject, TimeSpan Started)>();
        var failed = new ConcurrentBag<(TimeSpan Started, string Why)>();
        var clock = Stopwatch.StartNew();
        TimeSpan? killedAt = null;
        var enoughBefore = new TaskCompletionSource();

        async Task WorkAsync()
        {
            var afterKill = 0;
            while (afterKill < AfterKill && clock.Elapsed < TimeSpan.FromSeconds(120))
            {
                var started = clock.Elapsed;
                using var person = new Visitor(topology);
                try
                {
                    var tokens = await person.LogInAsync();
                    completed.Add((tokens.Subject, started));
                    if (completed.Count >= Workers)
                    {
                        enoughBefore.TrySetResult();
                    }

                    if (killedAt is { } k && started > k)
                    {
                        afterKill++;
                    }
                }
                catch (Exception e)
                {
                    // Whatever a cut request does to the flow (an error page, a refused connection, a timeout).
                    failed.Add((started, e.Message.Split('\n')[0]));
                }
            }
        }

        var users = topology.Count("SELECT count(*) FROM \"AspNetUsers\"");
        var stream = Enumerable.Range(0, Workers).Select(_ => Task.Run(WorkAsync)).ToList();
        try
        {
            await enoughBefore.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await killed.KillAsync();
            killedAt = clock.Elapsed;
            await Task.WhenAll(stream);
        }
        finally
        {
            await Task.WhenAll(stream).ContinueWith(_ => { }, TaskScheduler.Default);
            await killed.StartAsync(topology.Handler);
        }

        output.WriteLine($"completed {completed.Count}, failed {failed.Count}: {string.Join("; ", failed.Select(f => f.Why))}");
        completed.Count(c => c.Started > killedAt).Should().BeGreaterThanOrEqualTo(Workers * AfterKill, "the other replica kept serving");
        failed.Where(f => f.Started >= killedAt).Should().BeEmpty("only logins in flight when the replica died may fail");
        failed.Count.Should().BeLessThanOrEqualTo(Workers, "at most one request in flight per worker");

        var subjects = string.Join(", ", completed.Select(c => $"'{c.Subject}'"));
        topology.Count($"SELECT count(*) FROM \"AspNetUsers\" WHERE \"Id\" IN ({subjects})").Should().Be(completed.Count, "every completed login's user is stored");
        topology.Count($"SELECT count(DISTINCT \"UserId\") FROM \"TotpFactors\" WHERE \"UserId\" IN ({subjects}) AND \"ConfirmedAt\" IS NOT NULL").Should().Be(completed.Count);
        topology.Count($"SELECT count(DISTINCT \"UserId\") FROM \"Sessions\" WHERE \"UserId\" IN ({subjects})").Should().Be(completed.Count);
        topology.Count("SELECT count(*) FROM \"AspNetUsers\"").Should().BeGreaterThanOrEqualTo(users + completed.Count);
    }

    [Fact]
    public async Task PostgresStopped_ReadinessIs503OnBoth_LoginsFailWithAClearPage_ThenRecoverWithoutRestart()
    {
        var failedOn = new List<string>();
        await topology.Postgres.StopAsync();
        try
        {
            foreach (var replica in topology.Replicas)
            {
                using var ready = await topology.Http.GetAsync(new Uri(replica.Direct, "/health/ready"));
                ready.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, replica.Name);
            }

            using var person = new Visitor(topology);
            for (var attempt = 0; attempt < 3 && failedOn.Distinct().Count() < 2; attempt++)
            {
                if (attempt == 2)
                {
                    // Two attempts failed on the same replica (an attempt makes an even number of
                    // requests): one request more, and the next failing request lands on the other.
                    await person.Browser.GetAsync(person.Idp("/health/live").AbsoluteUri);
                }

                person.Landings.Clear();
                var page = await person.AttemptLoginAsync();
                page.Status.Should().Be(HttpStatusCode.ServiceUnavailable, page.Body);
                page.Document.QuerySelector("h1")!.TextContent.Should().Be("Login is unavailable right now");
                page.Body.Should().NotContainAny("Exception", "   at ", "Npgsql", "Stack");
                failedOn.Add(person.Landings.Landings[^1].Upstream!);
            }

            failedOn.Distinct().Should().BeEquivalentTo(topology.Replicas.Select(r => r.Upstream), "a login failed with the page on each replica");
        }
        finally
        {
            await topology.Postgres.StartAsync();
        }

        foreach (var replica in topology.Replicas)
        {
            await replica.WaitUntilReadyAsync(topology.Handler);
        }

        using var later = new Visitor(topology);
        (await later.LogInAsync()).AccessToken.Should().NotBeNullOrEmpty();
        ShouldAlternate(later.IdpUpstreams);
    }

    private void ShouldAlternate(IReadOnlyList<string> upstreams, int atLeast = 5)
    {
        upstreams.Should().HaveCountGreaterThanOrEqualTo(atLeast);
        upstreams.Distinct().Should().BeEquivalentTo(topology.Replicas.Select(r => r.Upstream), "requests landed on both replicas");
        for (var i = 1; i < upstreams.Count; i++)
        {
            upstreams[i].Should().NotBe(upstreams[i - 1], $"request {i} should land on the other replica (all: {string.Join(' ', upstreams)})");
        }
    }

    /// <summary>The code page's form posted with <paramref name="code"/>, as the browser would send it.</summary>
    private static HttpRequestMessage CodePost(BrowserPage page, string code)
    {
        var form = (IHtmlFormElement)page.Document.QuerySelector("form[method=post]")!;
        var fields = form.Elements.OfType<IHtmlInputElement>()
            .Where(i => !string.IsNullOrEmpty(i.Name) && i.Type is not ("submit" or "button"))
            .Select(i => new KeyValuePair<string, string>(i.Name!, i.Name == "code" ? code : i.Value))
            .ToList();
        var action = string.IsNullOrEmpty(form.GetAttribute("action")) ? page.Address : new Uri(page.Address, form.GetAttribute("action"));
        return new HttpRequestMessage(HttpMethod.Post, action) { Content = new FormUrlEncodedContent(fields) };
    }
}
