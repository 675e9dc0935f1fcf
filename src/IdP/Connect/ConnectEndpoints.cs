using Educloud.Shared.Localization;
using System.Collections.Immutable;
using System.Security.Claims;
using Educloud.Idp.Data;
using Educloud.Idp.Federation;
using Educloud.Idp.Sessions;
using Educloud.Idp.Settings;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Educloud.Idp.Connect;

/// <summary>
/// The passthrough endpoints of the OpenID Connect server. OpenIddict has already validated each
/// request (client, redirect URI, PKCE, scopes) before these run; they decide who the user is.
/// </summary>
public static partial class ConnectEndpoints
{
    public static IEndpointRouteBuilder MapIdpConnect(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMethods("/" + ConnectPaths.Authorize, [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync).DisableAntiforgery();
        endpoints.MapPost("/" + ConnectPaths.Token, TokenAsync).DisableAntiforgery();
        endpoints.MapMethods("/" + ConnectPaths.UserInfo, [HttpMethods.Get, HttpMethods.Post], UserInfoAsync).DisableAntiforgery();
        return endpoints;
    }

    private static async Task<IResult> AuthorizeAsync(
        HttpContext http,
        UserManager<IdpUser> users,
        IdpClaims claims,
        TimeProvider time,
        LoginApp app,
        AppErrorReturn appErrors,
        IOptions<IdPortenOptions> idporten,
        ILoggerFactory loggers)
    {
        var request = http.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("OpenIddict did not resolve the authorization request.");

        // The login for this very request ended at or after ID-porten: the app gets the error (OIDC Core 3.1.2.6).
        if (appErrors.Read(request) is { } refusal)
        {
            return Forbid(refusal.Error, refusal.Description);
        }

        var session = await http.AuthenticateAsync(SessionDefaults.Scheme);
        var facts = session.Succeeded ? SessionFacts.From(session.Principal) : null;

        // An app asking a higher level (acr_values) than the session's ID-porten login: a new login
        // at that level. A password session has no ID-porten level to raise: the app is told.
        var level = AppLoginRequest.LevelFor(request.AcrValues, idporten.Value.AcrValues);
        if (facts is not null && level != idporten.Value.AcrValues && !AcrLevels.Satisfies(facts.Acr, level) && !AcrLevels.IsKnown(facts.Acr))
        {
            return Forbid(UpstreamRefusals.LevelNotMet.Error, UpstreamRefusals.LevelNotMet.Description);
        }

        // prompt=login and an exceeded max_age both demand a new login with both factors (OIDC Core 3.1.2.1).
        var forceLogin = request.HasPromptValue(PromptValues.Login)
            || (facts is not null && request.MaxAge is { } maxAge && time.GetUtcNow() - facts.AuthenticatedAt > TimeSpan.FromSeconds(maxAge))
            || (facts is not null && !AcrLevels.Satisfies(facts.Acr, level) && AcrLevels.IsKnown(facts.Acr));

        if (facts is null || forceLogin)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Forbid(Errors.LoginRequired, "The user is not logged in.");
            }

            // The app's ui_locales choose the language of this login's pages (and of ID-porten's).
            LanguageSelection.RememberAppLanguage(http, request.UiLocales);

            // Any max_age, like prompt=login, also keeps ID-porten from answering out of its own
            // older single sign-on session: the new auth_time must mean a new login at both factors.
            return Results.Redirect(LoginRedirect(http, request, app, fresh: forceLogin || request.MaxAge is not null));
        }

        // Read with the session row by the cookie's validation (one query). Null there means the
        // person's row is gone, which the second look confirms.
        var user = SessionService.ValidatedUser(http, facts.UserId) ?? await users.FindByIdAsync(facts.UserId);
        if (user is null)
        {
            // The session outlived its user: start over rather than issue anything.
            await http.RequestServices.GetRequiredService<SessionService>().EndCurrentAsync(http);
            return Results.Redirect(LoginRedirect(http, request, app, fresh: false));
        }

        var principal = await claims.ForLoginAsync(user, facts, request.GetScopes(), request.ClientId!);
        LogAuthorized(loggers.CreateLogger(typeof(ConnectEndpoints)), user.Id, request.ClientId ?? "?");
        return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    // The person of a code or refresh grant: read untracked and by a compiled query, as nothing in a
    // grant changes them. A tracked read cost EF Core's query pipeline and a change detection at the
    // sign-in's save, about 4 % of a refresh grant's CPU (docs/performance.md, "Session 10").
    private static readonly PerModel<Func<IdpDbContext, string, CancellationToken, Task<IdpUser?>>> PersonById = new(() =>
        EF.CompileAsyncQuery((IdpDbContext db, string id, CancellationToken cancellationToken) =>
            db.Users.AsNoTracking().FirstOrDefault(u => u.Id == id)));

    private static async Task<IResult> TokenAsync(
        HttpContext http,
        IdpDbContext db,
        IdpClaims claims)
    {
        var request = http.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("OpenIddict did not resolve the token request.");

        if (request.IsClientCredentialsGrantType())
        {
            // OpenIddict has authenticated the client and checked its grant and scope permissions.
            return Results.SignIn(await claims.ForClientAsync(request.ClientId!, request.GetScopes(), http.RequestAborted),
                authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            var stored = (await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
            var user = stored?.GetClaim(Claims.Subject) is { } sub ? await PersonById.For(db)(db, sub, http.RequestAborted) : null;
            if (stored is null || user is null)
            {
                return Forbid(Errors.InvalidGrant, "The token is no longer valid.");
            }

            return Results.SignIn(await claims.ForRedemptionAsync(stored, user, request.ClientId ?? stored.GetPresenters().First()), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        return Forbid(Errors.UnsupportedGrantType, "The grant type is not supported.");
    }

    private static async Task<IResult> UserInfoAsync(HttpContext http, UserManager<IdpUser> users, IdpClaims claims)
    {
        var principal = (await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
        var user = principal?.GetClaim(Claims.Subject) is { } sub ? await users.FindByIdAsync(sub) : null;
        if (principal is null || user is null)
        {
            return Results.Challenge(
                new AuthenticationProperties(new Dictionary<string, string?>
                {
                    [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidToken,
                    [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The access token is no longer valid.",
                }),
                [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        return Results.Ok(claims.UserInfo(user, principal));
    }

    private static IResult Forbid(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    /// <summary>
    /// Sends the user to the login page with a way back to this very authorization request. The
    /// prompt=login and max_age that may have caused it are dropped from the way back, or the user
    /// would loop forever (with max_age=0 every login is already "too old" when it comes back);
    /// the login about to happen satisfies both, and the new auth_time shows the app it was fresh.
    /// The app (client_id, validated by OpenIddict by now) travels beside it in a form the browser
    /// cannot alter (<see cref="LoginApp"/>): the audit log never takes it from the returnUrl.
    /// </summary>
    private static string LoginRedirect(HttpContext http, OpenIddictRequest request, LoginApp app, bool fresh)
    {
        var parameters = new List<KeyValuePair<string, string?>>();
        foreach (var (name, value) in request.GetParameters())
        {
            if (name is Parameters.RequestUri or Parameters.MaxAge or AppErrorReturn.Parameter)
            {
                continue;
            }

            if (name is Parameters.Prompt)
            {
                var remaining = string.Join(' ', request.GetPromptValues().Where(p => p != PromptValues.Login));
                if (remaining.Length > 0)
                {
                    parameters.Add(new(name, remaining));
                }

                continue;
            }

            foreach (var item in (ImmutableArray<string?>?)value ?? [])
            {
                parameters.Add(new(name, item));
            }
        }

        var returnUrl = http.Request.PathBase + "/" + ConnectPaths.Authorize + QueryString.Create(parameters);
        var login = QueryString.Create([
            new(AccountPaths.ReturnUrlParameter, returnUrl),
            .. fresh ? new KeyValuePair<string, string?>[] { new("fresh", "true") } : [],
            .. request.ClientId is { } clientId ? new KeyValuePair<string, string?>[] { new(LoginApp.Parameter, app.Protect(clientId, returnUrl)) } : [],
        ]);
        return http.Request.PathBase + AccountPaths.Login + login;
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Authorization code issued to {ClientId} for user {UserId}")]
    private static partial void LogAuthorized(ILogger logger, string userId, string clientId);
}
