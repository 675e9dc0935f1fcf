using System.Net;
using Educloud.Idp.Tests.Infrastructure;

namespace Educloud.Idp.Tests.People;

/// <summary>"What should support call you?": once, at the first login, skippable; the name is kept (issue 12, part 6).</summary>
public sealed class FirstLoginTests(PeopleFixture fixture) : IClassFixture<PeopleFixture>
{
    private IdpHost Idp => fixture.Idp;

    [Fact]
    public async Task FirstLoginFromAnApp_AsksForAName_SkipGoesOnToTheApp_AndTheNextLoginDoesNotAsk()
    {
        var pid = Flows.NewPid();
        var browser = Idp.NewBrowser();
        var login = await browser.GetAsync(Flows.AuthorizeUrl());
        var simulator = await browser.SubmitAsync(login);
        var enroll = await browser.SubmitAsync(simulator, values: new Dictionary<string, string> { ["sim_pid"] = pid, ["sim_acr"] = Flows.Substantial });

        var welcome = await Flows.AnswerSecondFactorAsync(browser, enroll, pid, skipWelcome: false);

        welcome.Address.AbsolutePath.Should().Be("/account/welcome", welcome.Body);
        welcome.Document.QuerySelector("h1")!.TextContent.Should().Be("What should support call you?");
        browser.LeftTo.Should().BeNull("the app waits until the page is answered or skipped");
        await Flows.SkipWelcomeAsync(browser, welcome);
        Flows.RedirectParameters(browser).Should().ContainKey("code", "Skip goes on to the app");
        (await fixture.UserAsync(pid)).DisplayName.Should().BeNull();

        var (again, code) = await fixture.ToSecondFactorAsync(pid);
        var after = await Flows.AnswerSecondFactorAsync(again, code, pid, skipWelcome: false);
        after.Address.AbsolutePath.Should().Be("/", "the page is shown once: " + after.Body);
    }

    [Fact]
    public async Task NameGiven_IsSaved_AndTheLoginGoesOn()
    {
        var pid = Flows.NewPid();
        var (browser, welcome) = await fixture.FirstLoginAsync(pid);

        var next = await browser.SubmitAsync(welcome, "main form[method=post]", new Dictionary<string, string> { ["displayName"] = "  Åse Ørnulf  " });

        next.Address.AbsolutePath.Should().Be("/", next.Body);
        (await fixture.UserAsync(pid)).DisplayName.Should().Be("Åse Ørnulf");
    }

    [Fact]
    public async Task TooLongAName_Is400_AndNothingIsSaved()
    {
        var pid = Flows.NewPid();
        var (browser, welcome) = await fixture.FirstLoginAsync(pid);

        var refused = await browser.SubmitAsync(welcome, "main form[method=post]", new Dictionary<string, string>
        {
            ["displayName"] = new string('x', 201),
            ["email"] = PeopleFixture.NewAddress(),
        });

        refused.Status.Should().Be(HttpStatusCode.BadRequest, refused.Body);
        var user = await fixture.UserAsync(pid);
        user.DisplayName.Should().BeNull();
        user.Email.Should().BeNull();
    }

    [Fact]
    public async Task WithoutMail_TheFirstLoginAsksOnlyForTheName_AndTheLogSaysOnceThatNoMailIsSent()
    {
        // Information from the mail feature (the test host logs Warning and above by default).
        using var idp = new IdpHost(new Dictionary<string, string?> { ["Logging:LogLevel:Educloud.Idp.Mail"] = "Information" });
        var browser = idp.NewBrowser();
        var pid = Flows.NewPid();
        var enroll = await Flows.ThroughIdPortenAsync(browser, IdpHost.Origin + "/account/login", pid);
        var welcome = await Flows.AnswerSecondFactorAsync(browser, enroll, pid, skipWelcome: false);

        welcome.Address.AbsolutePath.Should().Be("/account/welcome", welcome.Body);
        welcome.Document.QuerySelector("input[name=displayName]").Should().NotBeNull();
        welcome.Document.QuerySelector("input[name=email]").Should().BeNull("no mail can confirm an address");
        idp.Logs.Lines.Count(l => l.Contains("Mail:Host is not set", StringComparison.Ordinal)).Should().Be(1);
    }
}
