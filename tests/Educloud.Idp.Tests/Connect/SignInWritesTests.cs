using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;
using static OpenIddict.Server.OpenIddictServerHandlers;

namespace Educloud.Idp.Tests.Connect;

/// <summary>
/// A sign-in's rows are saved together at its end (SignInWrites, TokenRowStore,
/// AuthorizationRowStore): what must still hold when a row is written later than OpenIddict wrote it.
/// </summary>
public abstract class SignInWritesTests : IDisposable
{
    private readonly SessionEnder ender = new();

    protected SignInWritesTests(TestDatabase database)
    {
        Idp = new IdpHost(database: database)
        {
            TestServices = services =>
            {
                services.AddSingleton(ender);
                services.AddOpenIddict().AddServer(options => options
                    .AddEventHandler(EndTheSessionDuringTheSignIn.Descriptor)
                    .AddEventHandler(NoteTheAuthorization.Descriptor));
            },
        };
        _ = Idp.Server;
    }

    public sealed class OnSqlite() : SignInWritesTests(TestDatabase.Sqlite);

    public sealed class OnPostgreSql() : SignInWritesTests(TestDatabase.PostgreSql);

    private IdpHost Idp { get; }

    [Fact]
    public async Task SessionEndsWhileTheAppsCodeIsMade_TheAuthorizationIsWrittenRevoked_AndTheCodeIsRefused()
    {
        var browser = Idp.NewBrowser();
        await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(Flows.AuthorizeUrl()), Flows.NewPid());
        ender.Armed = true;

        // Single sign-on: straight back to the app with a code, made while the session ends
        // (another tab's logout, support) after the cookie was checked.
        var pkce = Pkce.New();
        await browser.GetAsync(Flows.AuthorizeUrl(pkce: pkce));
        var code = Flows.RedirectParameters(browser)["code"];
        using var backchannel = Idp.NewBackchannel();
        var (status, body) = await Flows.RedeemCodeAsync(backchannel, code, pkce);

        ender.Ended.Should().Be(1, "the handler ended the session once");
        ender.AuthorizationId.Should().NotBeNullOrEmpty();
        status.Should().Be(400, body.ToString());
        body.GetProperty("error").GetString().Should().Be(Errors.InvalidGrant);
        await using var scope = Idp.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
        var statuses = await db.Set<OpenIddictEntityFrameworkCoreAuthorization>().AsNoTracking()
            .Where(a => a.Id == ender.AuthorizationId).Select(a => a.Status).ToListAsync();
        statuses.Should().Equal(Statuses.Revoked);
    }

    [Fact]
    public async Task ClientCredentialsGrant_OnlyAnAccessToken_ItsRowIsWritten()
    {
        using var backchannel = Idp.NewBackchannel();
        var before = await CountAsync(TokenTypeIdentifiers.AccessToken);

        var (status, body) = await Flows.TokenAsync(backchannel, new Dictionary<string, string> { ["grant_type"] = GrantTypes.ClientCredentials },
            IdpHost.MachineClientId, IdpHost.MachineSecret);

        status.Should().Be(200, body.ToString());
        (await CountAsync(TokenTypeIdentifiers.AccessToken)).Should().Be(before + 1, "revocation and introspection stand on the row");
    }

    [Fact]
    public async Task WholeLogin_AuthorizationCodeAccessAndRefreshRows_AreAllWrittenAndLinked()
    {
        var browser = Idp.NewBrowser();
        var pkce = Pkce.New();
        await Flows.LogInAtIdPortenAsync(browser, await browser.GetAsync(Flows.AuthorizeUrl(pkce: pkce)), Flows.NewPid());
        using var backchannel = Idp.NewBackchannel();

        var (status, tokens) = await Flows.RedeemCodeAsync(backchannel, Flows.RedirectParameters(browser)["code"], pkce);

        status.Should().Be(200, tokens.ToString());
        await using var scope = Idp.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
        var subject = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(tokens.GetProperty("id_token").GetString()).Subject;
        var rows = await db.Set<OpenIddictEntityFrameworkCoreToken>().AsNoTracking().Where(t => t.Subject == subject)
            .Select(t => new { t.Type, t.Status, AuthorizationId = t.Authorization!.Id, AuthorizationStatus = t.Authorization.Status, t.Payload })
            .ToListAsync();
        rows.Select(r => r.Type).Should().BeEquivalentTo([TokenTypeIdentifiers.Private.AuthorizationCode, TokenTypeIdentifiers.AccessToken, TokenTypeIdentifiers.RefreshToken]);
        rows.Select(r => r.AuthorizationId).Distinct().Should().ContainSingle().Which.Should().NotBeNullOrEmpty();
        rows.Should().OnlyContain(r => r.AuthorizationStatus == Statuses.Valid);
        var code = rows.Single(r => r.Type == TokenTypeIdentifiers.Private.AuthorizationCode);
        code.Status.Should().Be(Statuses.Redeemed);
        code.Payload.Should().NotBeNullOrEmpty("the code's row was written once, with its token");
    }

    [Fact]
    public async Task RowsSavedTogether_OneFails_NoneIsWritten()
    {
        var taken = await TakenReferenceIdAsync();
        await using var scope = Idp.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
        var authorization = new OpenIddictEntityFrameworkCoreAuthorization { Status = Statuses.Valid, Subject = "someone", Type = AuthorizationTypes.AdHoc };
        context.Add(authorization);
        context.Add(new OpenIddictEntityFrameworkCoreToken { Authorization = authorization, ReferenceId = taken, Type = TokenTypeIdentifiers.Private.AuthorizationCode, Status = Statuses.Valid });

        var save = () => SignInWrites.SaveTogetherAsync(context, [], CancellationToken.None);

        await save.Should().ThrowAsync<DbUpdateException>("the second row's reference id is taken");
        await using var check = Idp.Services.CreateAsyncScope();
        (await check.ServiceProvider.GetRequiredService<IdpDbContext>().Set<OpenIddictEntityFrameworkCoreAuthorization>().AnyAsync(a => a.Id == authorization.Id))
            .Should().BeFalse("the batch is all or nothing, without EF Core's own transaction on PostgreSQL");
    }

    [Fact]
    public async Task NewTokenRowsOnly_WrittenByOneInsert_ReadBackAsTheyWereAdded()
    {
        var (applicationId, authorizationId) = await StoredAuthorizationAsync();

        await using var scope = Idp.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
        var application = await context.Set<OpenIddictEntityFrameworkCoreApplication>().SingleAsync(a => a.Id == applicationId);
        var linked = await context.Set<OpenIddictEntityFrameworkCoreAuthorization>().SingleAsync(a => a.Id == authorizationId);
        // Microseconds: what PostgreSQL keeps of a timestamp.
        var created = new DateTime(2026, 12, 2, 23, 59, 58, DateTimeKind.Utc).AddTicks(1234560);
        var access = new OpenIddictEntityFrameworkCoreToken
        {
            Application = application, Authorization = linked, Type = TokenTypeIdentifiers.AccessToken, Status = Statuses.Valid,
            Subject = "someone", CreationDate = created, ExpirationDate = created.AddHours(1), Properties = """{"x":1}""",
        };
        var refresh = new OpenIddictEntityFrameworkCoreToken
        {
            Application = application, Authorization = linked, Type = TokenTypeIdentifiers.RefreshToken, Status = Statuses.Valid,
            Subject = "someone", CreationDate = created, ExpirationDate = created.AddDays(1), Payload = "payload", ReferenceId = "ref-" + Guid.NewGuid().ToString("N"),
        };
        context.AddRange(access, refresh);

        await SignInWrites.SaveTogetherAsync(context, [], CancellationToken.None);

        context.Entry(access).State.Should().Be(EntityState.Unchanged, "the rows are tracked as saved, as after SaveChanges");
        context.Entry(refresh).State.Should().Be(EntityState.Unchanged);
        await using var check = Idp.Services.CreateAsyncScope();
        var rows = await check.ServiceProvider.GetRequiredService<IdpDbContext>().Set<OpenIddictEntityFrameworkCoreToken>().AsNoTracking()
            .Where(t => t.Id == access.Id || t.Id == refresh.Id)
            .Select(t => new { t.Id, t.Type, t.Status, t.Subject, t.CreationDate, t.ExpirationDate, t.RedemptionDate, t.Payload, t.Properties, t.ReferenceId, t.ConcurrencyToken, ApplicationId = t.Application!.Id, AuthorizationId = t.Authorization!.Id })
            .ToListAsync();
        rows.Should().BeEquivalentTo(new[] { access, refresh }.Select(t => new
        {
            t.Id, t.Type, t.Status, t.Subject, t.CreationDate, t.ExpirationDate, t.RedemptionDate, t.Payload, t.Properties, t.ReferenceId, t.ConcurrencyToken,
            ApplicationId = applicationId, AuthorizationId = authorizationId,
        }));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UntrackedTokenRows_WrittenAsMade_AloneOrWithTrackedChanges(bool withTrackedChange)
    {
        // A sign-in's access and refresh tokens are never handed to EF Core (TokenRowStore): their
        // foreign keys come from their navigations. With another pending change (an authorization
        // revoked meanwhile) they are saved together with it, as one unit.
        var (applicationId, authorizationId) = await StoredAuthorizationAsync();

        await using var scope = Idp.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
        var application = await context.Set<OpenIddictEntityFrameworkCoreApplication>().SingleAsync(a => a.Id == applicationId);
        var authorization = await context.Set<OpenIddictEntityFrameworkCoreAuthorization>().SingleAsync(a => a.Id == authorizationId);
        var created = new DateTime(2026, 12, 3, 8, 30, 1, DateTimeKind.Utc).AddTicks(654320);
        OpenIddictEntityFrameworkCoreToken[] newTokens =
        [
            new() { Id = Guid.NewGuid().ToString(), Application = application, Authorization = authorization, Type = TokenTypeIdentifiers.AccessToken, Status = Statuses.Valid, Subject = "someone", CreationDate = created, ExpirationDate = created.AddHours(1) },
            new() { Id = Guid.NewGuid().ToString(), Application = application, Authorization = authorization, Type = TokenTypeIdentifiers.RefreshToken, Status = Statuses.Valid, Subject = "someone", CreationDate = created, ExpirationDate = created.AddDays(1), Properties = """{"y":2}""" },
        ];
        if (withTrackedChange)
        {
            authorization.Status = Statuses.Revoked;
        }

        await SignInWrites.SaveTogetherAsync(context, newTokens, CancellationToken.None);

        await using var check = Idp.Services.CreateAsyncScope();
        var checkDb = check.ServiceProvider.GetRequiredService<IdpDbContext>();
        var rows = await checkDb.Set<OpenIddictEntityFrameworkCoreToken>().AsNoTracking()
            .Where(t => t.Id == newTokens[0].Id || t.Id == newTokens[1].Id)
            .Select(t => new { t.Id, t.Type, t.Status, t.Subject, t.CreationDate, t.ExpirationDate, t.Properties, t.ConcurrencyToken, ApplicationId = t.Application!.Id, AuthorizationId = t.Authorization!.Id })
            .ToListAsync();
        rows.Should().BeEquivalentTo(newTokens.Select(t => new
        {
            t.Id, t.Type, t.Status, t.Subject, t.CreationDate, t.ExpirationDate, t.Properties, t.ConcurrencyToken,
            ApplicationId = applicationId, AuthorizationId = authorizationId,
        }));
        (await checkDb.Set<OpenIddictEntityFrameworkCoreAuthorization>().Where(a => a.Id == authorizationId).Select(a => a.Status).SingleAsync())
            .Should().Be(withTrackedChange ? Statuses.Revoked : Statuses.Valid);
    }

    [Fact]
    public async Task UntrackedTokenRows_OneFails_NoneIsWritten()
    {
        var taken = await TakenReferenceIdAsync();
        await using var scope = Idp.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
        var free = new OpenIddictEntityFrameworkCoreToken { Id = Guid.NewGuid().ToString(), ReferenceId = "free-" + Guid.NewGuid().ToString("N"), Type = TokenTypeIdentifiers.AccessToken, Status = Statuses.Valid };
        var clashing = new OpenIddictEntityFrameworkCoreToken { Id = Guid.NewGuid().ToString(), ReferenceId = taken, Type = TokenTypeIdentifiers.RefreshToken, Status = Statuses.Valid };

        var save = () => SignInWrites.SaveTogetherAsync(context, [free, clashing], CancellationToken.None);

        await save.Should().ThrowAsync<DbUpdateException>("the second row's reference id is taken");
        await using var check = Idp.Services.CreateAsyncScope();
        (await check.ServiceProvider.GetRequiredService<IdpDbContext>().Set<OpenIddictEntityFrameworkCoreToken>().AnyAsync(t => t.Id == free.Id))
            .Should().BeFalse("one INSERT writes all its rows or none");
    }

    [Fact]
    public async Task NewTokenRowsOnly_OneFails_NoneIsWritten()
    {
        var taken = await TakenReferenceIdAsync();
        await using var scope = Idp.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
        var free = new OpenIddictEntityFrameworkCoreToken { ReferenceId = "free-" + Guid.NewGuid().ToString("N"), Type = TokenTypeIdentifiers.AccessToken, Status = Statuses.Valid };
        context.AddRange(free, new OpenIddictEntityFrameworkCoreToken { ReferenceId = taken, Type = TokenTypeIdentifiers.RefreshToken, Status = Statuses.Valid });

        var save = () => SignInWrites.SaveTogetherAsync(context, [], CancellationToken.None);

        await save.Should().ThrowAsync<DbUpdateException>("the second row's reference id is taken");
        await using var check = Idp.Services.CreateAsyncScope();
        (await check.ServiceProvider.GetRequiredService<IdpDbContext>().Set<OpenIddictEntityFrameworkCoreToken>().AnyAsync(t => t.Id == free.Id))
            .Should().BeFalse("one INSERT writes all its rows or none");
    }

    public void Dispose()
    {
        Idp.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A stored app's id and a new, stored authorization's id (written in a scope of its own).</summary>
    private async Task<(string ApplicationId, string AuthorizationId)> StoredAuthorizationAsync()
    {
        await using var scope = Idp.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
        var applicationId = await db.Set<OpenIddictEntityFrameworkCoreApplication>().Select(a => a.Id!).FirstAsync();
        var authorization = new OpenIddictEntityFrameworkCoreAuthorization { Status = Statuses.Valid, Subject = "someone", Type = AuthorizationTypes.AdHoc };
        db.Add(authorization);
        await db.SaveChangesAsync();
        return (applicationId, authorization.Id!);
    }

    /// <summary>A reference id already used by a stored row: a second row with it fails on the unique index.</summary>
    private async Task<string> TakenReferenceIdAsync()
    {
        var taken = "taken-" + Guid.NewGuid().ToString("N");
        await using var scope = Idp.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
        db.Add(new OpenIddictEntityFrameworkCoreToken { ReferenceId = taken, Type = TokenTypeIdentifiers.Private.AuthorizationCode, Status = Statuses.Valid });
        await db.SaveChangesAsync();
        return taken;
    }

    private async Task<int> CountAsync(string type)
    {
        await using var scope = Idp.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IdpDbContext>().Set<OpenIddictEntityFrameworkCoreToken>().CountAsync(t => t.Type == type);
    }

    /// <summary>Whether the next sign-in at the authorization endpoint ends its session first, and what it did.</summary>
    public sealed class SessionEnder
    {
        public bool Armed { get; set; }

        public int Ended { get; set; }

        public string? AuthorizationId { get; set; }
    }

    /// <summary>
    /// Ends the session of a sign-in at the authorization endpoint just before OpenIddict makes the
    /// login's authorization (not yet written: SignInWrites), as a logout elsewhere can.
    /// </summary>
    private sealed class EndTheSessionDuringTheSignIn(SessionEnder ender, IdpDbContext db, TimeProvider time) : IOpenIddictServerHandler<ProcessSignInContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
            .UseScopedHandler<EndTheSessionDuringTheSignIn>()
            .SetOrder(AttachAuthorization.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public async ValueTask HandleAsync(ProcessSignInContext context)
        {
            if (!ender.Armed || context.EndpointType != OpenIddictServerEndpointType.Authorization || context.Principal is not { } principal)
            {
                return;
            }

            ender.Armed = false;
            var sessionId = principal.GetClaim(IdpClaimTypes.SessionId);
            ender.Ended += await db.Sessions.Where(s => s.Id == sessionId)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, time.GetUtcNow()), context.CancellationToken);
        }
    }

    /// <summary>After our handler that records the app in the session (which revokes the authorization of an ended session): which authorization it was.</summary>
    private sealed class NoteTheAuthorization(SessionEnder ender) : IOpenIddictServerHandler<ProcessSignInContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
            .UseSingletonHandler<NoteTheAuthorization>()
            .SetOrder(AttachAuthorization.Descriptor.Order + 2)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public ValueTask HandleAsync(ProcessSignInContext context)
        {
            if (ender.Ended > 0 && ender.AuthorizationId is null)
            {
                ender.AuthorizationId = context.Principal?.GetAuthorizationId();
            }

            return ValueTask.CompletedTask;
        }
    }
}
