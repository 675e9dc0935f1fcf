using Educloud.Idp.Hosting;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Educloud.Idp.Tests.Hosting;

/// <summary>
/// The levels at which framework categories write secrets stay closed whatever the operator sets
/// (category, provider-specific and wildcard rules at Trace); Debug and everything else stay open.
/// </summary>
public sealed class LogRedactionTests
{
    [Theory]
    [InlineData("OpenIddict.Client.OpenIddictClientDispatcher", LogLevel.Trace, false)]
    [InlineData("OpenIddict.Server.OpenIddictServerDispatcher", LogLevel.Trace, false)]
    [InlineData("OpenIddict.Client.OpenIddictClientDispatcher", LogLevel.Debug, true)]
    [InlineData("Microsoft.AspNetCore.Mvc.RazorPages.Infrastructure.PageActionInvoker", LogLevel.Trace, false)]
    [InlineData("Microsoft.AspNetCore.Mvc.Infrastructure.ControllerActionInvoker", LogLevel.Trace, false)]
    [InlineData("Microsoft.AspNetCore.Mvc.RazorPages.Infrastructure.PageActionInvoker", LogLevel.Debug, true)]
    [InlineData("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Information, false)]
    [InlineData("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning, true)]
    [InlineData("Microsoft.AspNetCore.Http.Result.RedirectResult", LogLevel.Information, false)]
    [InlineData("OpenIddictLookalike.Category", LogLevel.Trace, true)]
    [InlineData("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.Trace, true)]
    [InlineData("System.Net.Http.HttpClient.OpenIddict.Client.SystemNetHttp.LogicalHandler", LogLevel.Trace, true)]
    [InlineData("Educloud.Idp.Federation.UserDirectory", LogLevel.Trace, true)]
    public void OperatorAsksForTraceEverywhere_SecretBearingLevelsStayClosed(string category, LogLevel level, bool enabled)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:" + category] = "Trace",
            ["Logging:LogLevel:OpenIddict*"] = "Trace",
        });
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddProvider(new CapturingLoggerProvider());
        builder.Logging.AddFilter<CapturingLoggerProvider>(null, LogLevel.Trace);
        builder.AddIdpLogRedaction();
        using var services = builder.Services.BuildServiceProvider();

        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(category);

        logger.IsEnabled(level).Should().Be(enabled);
    }
}
