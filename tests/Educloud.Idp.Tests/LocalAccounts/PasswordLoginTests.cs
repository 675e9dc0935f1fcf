using System.Net;
using Educloud.Idp.Data;
using Educloud.Idp.LocalAccounts;
using Educloud.Idp.Tests.Infrastructure;
using Educloud.Idp.Totp;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Educloud.Idp.Tests.LocalAccounts;

/// <summary>
/// Local password logins (issue 8, item 6): the same work for every username, wrong passwords slow
/// down the address sending them instead of locking the person out, and new passwords are checked
/// against common and breached ones.
/// </summary>
public sealed class PasswordLoginTests : IDisposable
{
    private const string Password = "correct horse battery staple";

    private readonly IdpHost idp = new(new Dictionary<string, string?> { ["LocalAccounts:PasswordFailuresPerUsernamePerHour"] = "12" });
    private readonly HashCounter hashes = new();
    private readonly WebApplicationFactory<Program> counted;

    public PasswordLoginTests() =>
        counted = idp.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddScoped<IPasswordHasher<IdpUser>>(s => new CountingHasher(hashes, new PasswordHasher<IdpUser>(s.GetRequiredService<IOptions<PasswordHasherOptions>>())))));

    public void Dispose()
    {
        counted.Dispose();
        idp.Dispose();
    }

    [Fact]
    public async Task UnknownUsername_IdPortenUser_AndWrongPassword_DoTheSameHashingWork()
    {
        var local = await LocalUserAsync();
        var fromIdPorten = await IdPortenUserAsync();

        foreach (var (name, password) in new[] { (local, "not the password at all"), ("no-such-user-" + Guid.NewGuid().ToString("N")[..6], Password), (fromIdPorten, Password) })
        {
            var before = hashes.Verified;
            var result = await SubmitPasswordAsync(Browser("198.51.100.1"), name, password);

            result.Status.Should().Be(HttpStatusCode.BadRequest);
            result.Body.Should().Contain("The username or password is wrong");
            (hashes.Verified - before).Should().Be(1, $"one password hash is verified for '{name}', whether or not it exists");
        }
    }

    [Fact]
    public async Task ManyWrongPasswordsFromOneAddress_DoNotLockOutThePersonElsewhere()
    {
        var userName = await LocalUserAsync();
        var attacker = Browser("203.0.113.66");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            statuses.Add((await SubmitPasswordAsync(attacker, userName, "guess number " + i)).Status);
        }

        statuses.Take(5).Should().AllBeEquivalentTo(HttpStatusCode.BadRequest);
        statuses.Skip(5).Should().AllBeEquivalentTo(HttpStatusCode.TooManyRequests, "after five wrong passwords this address waits");
        var refused = await SubmitPasswordAsync(attacker, userName, Password);
        refused.Status.Should().Be(HttpStatusCode.TooManyRequests, "the waiting address is not even checked");
        refused.Body.Should().Contain("Too many wrong passwords");

        var person = await SubmitPasswordAsync(Browser("198.51.100.20"), userName, Password);
        person.Address.AbsolutePath.Should().Be("/account/code", "the person at another address is not locked out");
    }

    [Fact]
    public async Task WaitingAddress_WaitsLongerWithEachWrongPassword_AndTheWaitEnds()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var throttle = new PasswordThrottle(time, Options.Create(new LocalAccountOptions()));
        var address = IPAddress.Parse("203.0.113.5");
        for (var i = 0; i < 5; i++)
        {
            throttle.WaitFor("kari", address).Should().BeNull();
            throttle.Failed("kari", address);
        }

        throttle.WaitFor("KARI", address).Should().Be(TimeSpan.FromMinutes(1), "usernames are compared case-insensitively");
        throttle.WaitFor("kari", IPAddress.Parse("203.0.113.6")).Should().BeNull();
        time.Advance(TimeSpan.FromMinutes(1));
        throttle.Failed("kari", address);
        throttle.WaitFor("kari", address).Should().Be(TimeSpan.FromMinutes(2));

        // An IPv6 client is one /64: rotating addresses inside it buys nothing.
        var v6 = IPAddress.Parse("2001:db8:1:2::10");
        for (var i = 0; i < 5; i++)
        {
            throttle.Failed("ola", IPAddress.Parse($"2001:db8:1:2::{i + 1:x}"));
        }

        throttle.WaitFor("ola", v6).Should().NotBeNull();
    }

    [Fact]
    public async Task GuessingSpreadOverManyAddresses_StopsNewAddresses_NotOnesThePersonUsed()
    {
        var userName = await LocalUserAsync();
        (await SubmitPasswordAsync(Browser("198.51.100.30"), userName, Password)).Address.AbsolutePath.Should().Be("/account/code");

        // 12 per hour for this test's host: three addresses, four guesses each.
        for (var i = 0; i < 12; i++)
        {
            (await SubmitPasswordAsync(Browser($"203.0.113.{100 + (i / 4)}"), userName, "guess number " + i)).Status.Should().Be(HttpStatusCode.BadRequest);
        }

        (await SubmitPasswordAsync(Browser("203.0.113.200"), userName, "one more guess")).Status.Should().Be(HttpStatusCode.TooManyRequests);
        (await SubmitPasswordAsync(Browser("198.51.100.30"), userName, Password)).Address.AbsolutePath.Should().Be("/account/code",
            "the address the person logged in from before still may try");
    }

    [Theory]
    [InlineData("password1234")]
    [InlineData("1qaz2wsx3edc")]
    [InlineData("P@ssw0rd2024!")]
    [InlineData("qwertyuiopasdf")]
    [InlineData("abcabcabcabcabc")]
    [InlineData("Educloud2024!!")]
    [InlineData("{username}")]
    [InlineData("{username}!2024")]
    public async Task CommonOrContextPassword_IsRefusedAtEnrollment_WithAClearMessage_AndTheCodeStaysUsable(string chosen)
    {
        var (userName, code) = await LocalUserWithCodeAsync();
        var password = chosen.Replace("{username}", userName, StringComparison.Ordinal);
        var browser = Browser("198.51.100.40");
        var form = await browser.GetAsync(IdpHost.Origin + "/account/enroll-with-code");

        var refused = await browser.SubmitAsync(form, "form[method=post]", new Dictionary<string, string>
        {
            ["username"] = userName, ["code"] = code, ["password"] = password, ["confirm"] = password,
        });

        refused.Status.Should().Be(HttpStatusCode.BadRequest);
        refused.Body.Should().Contain("Choose another password").And.ContainAny("most common passwords", "repeated or sequential", "too close to your username");
        var accepted = await browser.SubmitAsync(form, "form[method=post]", new Dictionary<string, string>
        {
            ["username"] = userName, ["code"] = code, ["password"] = Password, ["confirm"] = Password,
        });
        accepted.Address.AbsolutePath.Should().Be("/account/enroll");
    }

    [Theory]
    [InlineData("correct horse battery staple")]
    [InlineData("Blåbærsyltetøy på vaffel")]
    [InlineData("my educloud data is safe 9")]
    public void UncommonPassword_IsAccepted(string password) =>
        CommonPasswordValidator.Weakness(password, "kari.nordmann").Should().BeNull();

    private TestBrowser Browser(string peer)
    {
        var browser = new TestBrowser { Authenticators = idp.Authenticators };
        browser.AddHost(new Uri(IdpHost.Origin).Host, counted.Server.CreateHandler());
        browser.Headers[IdpHost.PeerHeader] = peer;
        return browser;
    }

    private static async Task<BrowserPage> SubmitPasswordAsync(TestBrowser browser, string userName, string password)
    {
        var login = await browser.GetAsync(IdpHost.Origin + "/account/login");
        return await browser.SubmitAsync(login, "form#password-login", new Dictionary<string, string> { ["username"] = userName, ["password"] = password });
    }

    /// <summary>A local user with a password and an active authenticator (what enrollment with a code leaves).</summary>
    private async Task<string> LocalUserAsync()
    {
        await using var scope = counted.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdpUser>>();
        var user = new IdpUser { Id = Guid.NewGuid().ToString(), UserName = "local-" + Guid.NewGuid().ToString("N")[..10], CreatedAt = DateTimeOffset.UtcNow };
        (await users.CreateAsync(user, Password)).Succeeded.Should().BeTrue();
        var totp = scope.ServiceProvider.GetRequiredService<TotpService>();
        var pending = await totp.BeginEnrollmentAsync(user.Id, CancellationToken.None);
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        (await totp.ConfirmEnrollmentAsync(user.Id, pending.FactorId, TotpCode.Compute(pending.Secret, DateTimeOffset.UtcNow), http, null)).Should().Be(TotpResult.Accepted);
        return user.UserName;
    }

    private async Task<string> IdPortenUserAsync()
    {
        await using var scope = counted.Services.CreateAsyncScope();
        var user = new IdpUser { Id = Guid.NewGuid().ToString(), UserName = "idporten-" + Guid.NewGuid().ToString("N")[..10], PidHash = "not-a-real-hash-" + Guid.NewGuid(), CreatedAt = DateTimeOffset.UtcNow };
        (await scope.ServiceProvider.GetRequiredService<UserManager<IdpUser>>().CreateAsync(user)).Succeeded.Should().BeTrue();
        return user.UserName;
    }

    private async Task<(string UserName, string Code)> LocalUserWithCodeAsync()
    {
        await using var scope = counted.Services.CreateAsyncScope();
        var user = new IdpUser { Id = Guid.NewGuid().ToString(), UserName = "local-" + Guid.NewGuid().ToString("N")[..10], CreatedAt = DateTimeOffset.UtcNow };
        (await scope.ServiceProvider.GetRequiredService<UserManager<IdpUser>>().CreateAsync(user)).Succeeded.Should().BeTrue();
        var issued = await scope.ServiceProvider.GetRequiredService<EnrollmentCodes>().IssueAsync(user.Id, "test", CancellationToken.None);
        await scope.ServiceProvider.GetRequiredService<IdpDbContext>().SaveChangesAsync();
        return (user.UserName, issued.Code);
    }

    private sealed class HashCounter
    {
        private int verified;

        public int Verified => Volatile.Read(ref verified);

        public void Count() => Interlocked.Increment(ref verified);
    }

    /// <summary>The real hasher, counting verifications: the work a login does, observed without timing it.</summary>
    private sealed class CountingHasher(HashCounter counter, IPasswordHasher<IdpUser> inner) : IPasswordHasher<IdpUser>
    {
        public string HashPassword(IdpUser user, string password) => inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(IdpUser user, string hashedPassword, string providedPassword)
        {
            counter.Count();
            return inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }
}
