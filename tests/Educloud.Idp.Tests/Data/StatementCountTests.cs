using System.Collections.Concurrent;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Educloud.Idp.Tests.Data;

/// <summary>
/// How many SQL statements EF Core sends for one whole login of an enrolled person and for one
/// refresh grant, on both databases. On PostgreSQL each statement is a network round trip and
/// server work (docs/performance.md, "PostgreSQL and replicas"); the bounds are what the code
/// reaches now, so a change that adds statements to the hot path fails here. Counting, not timing.
/// </summary>
public abstract class StatementCountTests(StatementCountFixture fixture)
{
    /// <summary>
    /// A refresh grant's statements. Session 8: the new access and refresh tokens' rows are saved in
    /// one batch at the end of the sign-in (SignInWrites): one command on PostgreSQL, two on SQLite.
    /// Session 10: one multi-row INSERT on both (NewTokenRows), so one statement fewer on SQLite.
    /// </summary>
    protected abstract int RefreshBound { get; }

    /// <summary>
    /// A whole login's statements (docs/performance.md lists them, "Session 6"). SQLite counts one
    /// more: EF Core sends a batch of an UPDATE and an INSERT as one command to PostgreSQL, as two to SQLite.
    /// Issue 12 added four on both (the notices of change: a read on the code page and an UPDATE at
    /// the session's start; the app recorded in the session at authorize: an INSERT and the session
    /// re-read) and on SQLite one more (the login's audit event, in the session's batch on PostgreSQL).
    /// Session 7 took two away on both: the app is recorded by one INSERT … SELECT from the live
    /// session (no re-read), and a right code's failure reset goes with the session's own save.
    /// Session 8 took three away on SQLite and five on PostgreSQL: a code's and the ID-porten state
    /// token's rows are written once, not INSERT + UPDATE (TokenRowStore); the code page reads the
    /// pending login and the notices of change in one query; a sign-in's rows (the authorization
    /// with its code; the access and refresh tokens) are saved in one batch (SignInWrites).
    /// Session 9 took two away on both: the session cookie's validation reads the person with the
    /// session row, which the authorization endpoint then uses (SessionService.ValidatedUser); the
    /// code's check reads the person with the factor, tracked for the session's start
    /// (TotpService.VerifyForLoginAsync).
    /// Session 10 took one away on SQLite: the code's access and refresh tokens by one INSERT (NewTokenRows).
    /// </summary>
    protected abstract int LoginBound { get; }

    public sealed class OnSqlite() : StatementCountTests(new StatementCountFixture(TestDatabase.Sqlite)), IDisposable
    {
        protected override int LoginBound => 21;

        protected override int RefreshBound => 4;

        public void Dispose() => Fixture.Dispose();
    }

    public sealed class OnPostgreSql() : StatementCountTests(new StatementCountFixture(TestDatabase.PostgreSql)), IDisposable
    {
        protected override int LoginBound => 18;

        protected override int RefreshBound => 4;

        public void Dispose() => Fixture.Dispose();
    }

    protected StatementCountFixture Fixture => fixture;

    [Fact]
    public async Task WholeLoginOfAnEnrolledPerson_SendsNoMoreStatementsThanTheBound()
    {
        // Warm: the key ring, ID-porten's discovery document, the first pruning run, the person enrolled.
        await LogInAsync(Flows.NewPid());
        var pid = Flows.NewPid();
        await EnrollAsync(pid);

        var statements = await fixture.Statements.DuringAsync(() => LogInAsync(pid));

        statements.Count.Should().BeLessThanOrEqualTo(LoginBound, Describe(statements));
    }

    [Fact]
    public async Task RefreshGrant_SendsNoMoreStatementsThanTheBound()
    {
        var refreshToken = (await LogInAsync(Flows.NewPid())).GetProperty("refresh_token").GetString()!;
        using var backchannel = fixture.Idp.NewBackchannel();
        var (warmStatus, warm) = await Flows.RefreshAsync(backchannel, refreshToken);
        warmStatus.Should().Be(200, warm.ToString());

        var status = 0;
        var statements = await fixture.Statements.DuringAsync(async () =>
            (status, _) = await Flows.RefreshAsync(backchannel, warm.GetProperty("refresh_token").GetString()!));

        status.Should().Be(200);
        statements.Count.Should().BeLessThanOrEqualTo(RefreshBound, Describe(statements));
    }

    private async Task EnrollAsync(string pid)
    {
        var browser = fixture.Idp.NewBrowser();
        var page = await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(IdpHost.Origin + "/account/login"), pid);
        page.Address.AbsolutePath.Should().Be("/", page.Body);
    }

    /// <summary>The benchmark's whole login: authorize → ID-porten → one-time code → code → token.</summary>
    private async Task<System.Text.Json.JsonElement> LogInAsync(string pid)
    {
        var browser = fixture.Idp.NewBrowser();
        var pkce = Pkce.New();
        var login = await browser.GetAsync(Flows.AuthorizeUrl(pkce: pkce));
        await Flows.LogInAtIdPortenAsync(browser, login, pid);
        using var backchannel = fixture.Idp.NewBackchannel();
        var (status, tokens) = await Flows.RedeemCodeAsync(backchannel, Flows.RedirectParameters(browser)["code"], pkce);
        status.Should().Be(200, tokens.ToString());
        return tokens;
    }

    private static string Describe(IReadOnlyList<string> statements) =>
        $"{statements.Count} statements:\n" + string.Join("\n", statements.Select((s, i) => $"{i + 1,2}. {s}"));
}

/// <summary>An IdP of its own per test (the counts must not see another test's requests).</summary>
public sealed class StatementCountFixture : IDisposable
{
    public StatementCountFixture(TestDatabase database)
    {
        Idp = new IdpHost(database: database)
        {
            TestServices = services =>
            {
                services.AddHttpContextAccessor();
                services.AddSingleton<ILoggerProvider>(provider => Statements.Attach(provider.GetRequiredService<IHttpContextAccessor>()));
                // Only this provider hears EF Core's command log; the others stay at the host's levels.
                services.Configure<LoggerFilterOptions>(options =>
                    options.AddFilter<StatementLog>(StatementLog.Category, LogLevel.Information));
            },
        };
        _ = Idp.Server;
    }

    public IdpHost Idp { get; }

    public StatementLog Statements { get; } = new();

    public void Dispose() => Idp.Dispose();
}

/// <summary>
/// EF Core's "executed DbCommand" events (RelationalEventId.CommandExecuted), with their SQL, while
/// recording, sent within an HTTP request: background work (pruning) is not a request's cost.
/// </summary>
public sealed class StatementLog : ILoggerProvider
{
    public const string Category = "Microsoft.EntityFrameworkCore.Database.Command";

    private const int CommandExecuted = 20101;

    private readonly ConcurrentQueue<string> recorded = new();

    private IHttpContextAccessor? requests;

    private volatile bool recording;

    public StatementLog Attach(IHttpContextAccessor accessor)
    {
        requests = accessor;
        return this;
    }

    /// <summary>The statements sent while <paramref name="action"/> ran.</summary>
    public async Task<IReadOnlyList<string>> DuringAsync(Func<Task> action)
    {
        recorded.Clear();
        recording = true;
        try
        {
            await action();
        }
        finally
        {
            recording = false;
        }

        return [.. recorded];
    }

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName == Category ? this : null);

    public void Dispose()
    {
    }

    private void Add(EventId id, string message)
    {
        if (recording && id.Id == CommandExecuted && requests?.HttpContext is { } http)
        {
            // "Executed DbCommand (1ms) [Parameters=[...], CommandType='Text', CommandTimeout='30']\nSELECT ...": the SQL on one line.
            var sql = message[(message.IndexOf('\n', StringComparison.Ordinal) + 1)..].ReplaceLineEndings(" ");
            recorded.Enqueue($"{http.Request.Method} {http.Request.Path}: {sql}");
        }
    }

    private sealed class Logger(StatementLog? log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => log is not null;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log?.Add(eventId, formatter(state, exception));
    }
}
