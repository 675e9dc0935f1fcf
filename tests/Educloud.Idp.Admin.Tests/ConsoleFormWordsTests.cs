extern alias console;

using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Xml.Linq;
using console::Educloud.Idp.Admin.Localization;
using ConsoleProgram = console::Program;

namespace Educloud.Idp.Admin.Tests;

/// <summary>
/// The console's form errors and the admin API's refusals are keys the views turn into words
/// (Pages/Shared/_FormErrors, _ApiProblem). Those keys are not literals in the views, so the resource
/// tests cannot see them: here every key the models use has its words in all three languages.
/// </summary>
public sealed class ConsoleFormWordsTests
{
    private static readonly string[] LanguagesToCheck = ["nb", "nn", "en"];

    [Fact]
    public void EveryValidationMessageKey_HasWordsInEveryLanguage_AndTheViewSaysIt()
    {
        var keys = typeof(ConsoleProgram).Assembly.GetTypes()
            .Where(t => t.Namespace?.StartsWith("Educloud.Idp.Admin.Pages", StringComparison.Ordinal) == true)
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .SelectMany(p => p.GetCustomAttributes<ValidationAttribute>())
            .Select(a => a.ErrorMessage)
            .ToList();
        // Added by the models themselves (ModelState.AddModelError).
        keys.Add("NothingDoneReasonRequired");

        keys.Should().NotBeEmpty().And.NotContainNulls("every validation attribute names its message key (else the framework's English shows)");
        var view = File.ReadAllText(Path.Combine(RepoRoot(), "src/Admin/Pages/Shared/_FormErrors.cshtml"));
        foreach (var key in keys.Distinct())
        {
            key.Should().MatchRegex("^[A-Z][A-Za-z]+$", "a key, not a sentence");
            view.Should().Contain($"Localizer[\"{key}\"]", $"the view says {key} in words");
            foreach (var language in LanguagesToCheck)
            {
                Texts("Pages/Shared/_FormErrors", language).Should().ContainKey(key, $"_FormErrors.{language}.resx has {key}");
            }
        }
    }

    [Fact]
    public void EveryKnownApiRefusal_HasWordsInEveryLanguage_AndTheViewSaysIt()
    {
        var known = (IDictionary<string, string>)typeof(ApiProblemWords).GetField("Known", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        var view = File.ReadAllText(Path.Combine(RepoRoot(), "src/Admin/Pages/Shared/_ApiProblem.cshtml"));
        foreach (var (title, key) in known)
        {
            view.Should().Contain($"Localizer[\"{key}\"]");
            foreach (var language in LanguagesToCheck)
            {
                Texts("Pages/Shared/_ApiProblem", language).Should().ContainKey(key);
            }

            Texts("Pages/Shared/_ApiProblem", "en")[key].TrimEnd(':').Should().Be(title.TrimEnd('.') + (key == "AppSettingsRefused" ? "" : "."),
                "in English the console says what the API said");
        }
    }

    private static Dictionary<string, string> Texts(string resource, string language) =>
        XDocument.Load(Path.Combine(RepoRoot(), "src/Admin/Resources", $"{resource}.{language}.resx"))
            .Root!.Elements("data").ToDictionary(d => (string)d.Attribute("name")!, d => (string)d.Element("value")!);

    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        var directory = new DirectoryInfo(Path.GetDirectoryName(source)!);
        while (!File.Exists(Path.Combine(directory.FullName, "Educloud.Idp.sln")))
        {
            directory = directory.Parent!;
        }

        return directory.FullName;
    }
}
