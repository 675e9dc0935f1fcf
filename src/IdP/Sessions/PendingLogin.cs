using System.Security.Claims;
using System.Security.Cryptography;
using Educloud.Idp.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;

namespace Educloud.Idp.Sessions;

/// <summary>Why the person proved the first factor: to log in, or to set up a new authenticator.</summary>
public static class LoginPurpose
{
    public const string Login = "login";
    public const string Enroll = "enroll";
}

/// <summary>
/// A first factor proven (ID-porten, or a password), the second not yet. Lives in its own
/// short-lived cookie, which grants nothing but the code and enrollment pages: no session, no token.
/// </summary>
/// <remarks>
/// The cookie alone is not enough: it is bound to a server-side nonce (<see cref="PendingLoginNonce"/>),
/// created with it and spent with one conditional DELETE when a session starts or an authenticator
/// is confirmed, so a copied cookie cannot be replayed after use (ASVS 5 7.2.4 / 7.4.1). Pages that
/// only show something call <see cref="IsLiveAsync"/>; handlers that act call
/// <see cref="TrySpendAsync"/> first and <see cref="RestoreAsync"/> if the act failed (a wrong code):
/// of two racing requests only one can win the DELETE. Cost per login: one INSERT, one DELETE,
/// plus one primary-key SELECT per view of the code or enrollment page (the code page's reads the
/// person's notices of change in the same statement), and one INSERT per wrong code.
/// </remarks>
/// <param name="First">How the first factor was proven: decides what may come next and the session's acr and amr (<see cref="LoginFlow"/>).</param>
/// <param name="ClientId">The research app the login is for, from the validated authorization request (<see cref="LoginApp"/>); for the audit log.</param>
public sealed record PendingLogin(string UserId, string Purpose, FirstFactor First, string ReturnUrl, string? ClientId = null)
{
    public const string Scheme = "Educloud.PendingLogin";
    public const string CookieName = "__Host-educloud-login";
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    /// <summary>The id of this pending login's <see cref="PendingLoginNonce"/> row.</summary>
    public string Nonce { get; private init; } = "";

    private DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Starts the pending login: its nonce row (one INSERT), then its cookie. Only <see cref="LoginFlow.FirstFactorDoneAsync"/> calls it.</summary>
    public async Task SignInAsync(HttpContext http, TimeProvider time)
    {
        var db = http.RequestServices.GetRequiredService<IdpDbContext>();
        var now = time.GetUtcNow();
        if (await ReadAsync(http) is { } previous)
        {
            // A login started over: the pending login it replaces is worth nothing any more.
            await db.PendingLogins.Where(n => n.Id == previous.Nonce).ExecuteDeleteAsync(http.RequestAborted);
        }

        var nonce = new PendingLoginNonce { Id = Base64Url(RandomNumberGenerator.GetBytes(16)), UserId = UserId, ExpiresAt = now + Lifetime };
        await InsertAsync(db, nonce, http.RequestAborted);

        var identity = new ClaimsIdentity(Scheme);
        identity.AddClaim(new Claim("sub", UserId));
        identity.AddClaim(new Claim("nonce", nonce.Id));
        identity.AddClaim(new Claim("purpose", Purpose));
        identity.AddClaim(new Claim("first_factor", First.Name));
        identity.AddClaim(new Claim("return_url", ReturnUrl));
        if (ClientId is not null)
        {
            identity.AddClaim(new Claim("client_id", ClientId));
        }

        if (First.IdPorten is { } upstream)
        {
            identity.AddClaim(new Claim("upstream_acr", upstream.Acr));
            if (upstream.SessionId is not null)
            {
                identity.AddClaim(new Claim("upstream_sid", upstream.SessionId));
            }

            if (upstream.IdToken is not null)
            {
                identity.AddClaim(new Claim("upstream_id_token", upstream.IdToken));
            }

            foreach (var amr in upstream.Amr)
            {
                identity.AddClaim(new Claim("upstream_amr", amr));
            }
        }

        await http.SignInAsync(Scheme, new ClaimsPrincipal(identity), new AuthenticationProperties
        {
            IssuedUtc = now,
            ExpiresUtc = nonce.ExpiresAt,
            AllowRefresh = false,
        });
    }

    /// <summary>What the cookie says (data-protected, unexpired); whether it is still live is up to <see cref="IsLiveAsync"/> or <see cref="TrySpendAsync"/>.</summary>
    public static async Task<PendingLogin?> ReadAsync(HttpContext http)
    {
        var result = await http.AuthenticateAsync(Scheme);
        if (!result.Succeeded || result.Principal is not { } principal)
        {
            return null;
        }

        var sub = principal.FindFirstValue("sub");
        var nonce = principal.FindFirstValue("nonce");
        var purpose = principal.FindFirstValue("purpose");
        var acr = principal.FindFirstValue("upstream_acr");
        FirstFactor? first = principal.FindFirstValue("first_factor") switch
        {
            "password" => FirstFactor.Password,
            "idporten" when acr is not null => FirstFactor.FromIdPorten(new UpstreamLogin(principal.FindFirstValue("upstream_sid"), acr,
                principal.FindAll("upstream_amr").Select(c => c.Value).ToList(), principal.FindFirstValue("upstream_id_token"))),
            _ => null,
        };
        if (sub is null || nonce is null || purpose is null || first is null || result.Properties?.ExpiresUtc is not { } expiresAt)
        {
            return null;
        }

        return new PendingLogin(sub, purpose, first, principal.FindFirstValue("return_url") ?? "/", principal.FindFirstValue("client_id"))
        {
            Nonce = nonce,
            ExpiresAt = expiresAt,
        };
    }

    /// <summary>Whether the nonce is still unspent and unexpired (one primary-key SELECT); for pages that only show something.</summary>
    public Task<bool> IsLiveAsync(HttpContext http) => Live(http).AnyAsync(http.RequestAborted);

    /// <summary>This pending login's nonce row if it is still unspent and unexpired: a query, for a page that reads more with it in one statement.</summary>
    public IQueryable<PendingLoginNonce> Live(HttpContext http)
    {
        var now = Now(http);
        return Nonces(http).AsNoTracking().Where(n => n.Id == Nonce && n.UserId == UserId && n.ExpiresAt > now);
    }

    /// <summary>
    /// Spends the pending login before acting on it: one conditional DELETE, which only one request
    /// can win, on any replica. False: already spent, expired or unknown; do nothing.
    /// </summary>
    public async Task<bool> TrySpendAsync(HttpContext http)
    {
        var now = Now(http);
        return await Nonces(http).Where(n => n.Id == Nonce && n.UserId == UserId && n.ExpiresAt > now)
            .ExecuteDeleteAsync(http.RequestAborted) == 1;
    }

    /// <summary>Gives a spent pending login back when the act failed (a wrong code), so the person can try again until it expires.</summary>
    public async Task RestoreAsync(HttpContext http)
    {
        if (ExpiresAt > Now(http))
        {
            await InsertAsync(http.RequestServices.GetRequiredService<IdpDbContext>(),
                new PendingLoginNonce { Id = Nonce, UserId = UserId, ExpiresAt = ExpiresAt }, http.RequestAborted);
        }
    }

    public static Task ClearAsync(HttpContext http) => http.SignOutAsync(Scheme);

    private static async Task InsertAsync(IdpDbContext db, PendingLoginNonce nonce, CancellationToken cancellationToken)
    {
        var entry = db.PendingLogins.Add(nonce);
        await db.SaveChangesAsync(cancellationToken);
        entry.State = EntityState.Detached;
    }

    private static DbSet<PendingLoginNonce> Nonces(HttpContext http) => http.RequestServices.GetRequiredService<IdpDbContext>().PendingLogins;

    private static DateTimeOffset Now(HttpContext http) => http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
