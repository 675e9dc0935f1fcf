using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Educloud.Idp.EndToEnd.Infrastructure;

/// <summary>What a person does on the IdP's pages and the ID-porten simulator's page.</summary>
public static partial class LoginSteps
{
    /// <summary>On the IdP's login page: hand over to ID-porten and wait for the simulator's page.</summary>
    public static async Task ChooseIdPortenAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in with ID-porten" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(SimulatorAuthorize());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("ID-porten simulator");
    }

    /// <summary>On the simulator: the first synthetic person, level "substantial", Log in.</summary>
    public static async Task LogInAtSimulatorAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Group, new() { Name = "Synthetic person" }).GetByRole(AriaRole.Radio).First.CheckAsync();
        await page.GetByRole(AriaRole.Radio, new() { Name = "Substantial" }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in", Exact = true }).ClickAsync();
    }

    [GeneratedRegex("/idporten-sim/authorize")]
    private static partial Regex SimulatorAuthorize();
}
