using Educloud.Idp.Data;
using Educloud.Idp.Federation;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Educloud.Idp.Hosting;

public static class OperationsExtensions
{
    public static WebApplicationBuilder AddIdpOperations(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        // Readiness: the database (Unhealthy without it: 503, out of the load balancer) and ID-porten
        // (Degraded at most: 200, see IdPortenHealthCheck for why), answered as JSON naming each.
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<IdPortenHealthCheck>("idporten", tags: ["ready"]);
        builder.Services.AddSingleton<IdpMetrics>();
        builder.Services.AddSingleton<FormActionOrigins>();
        builder.AddIdpTelemetry();
        return builder;
    }

    /// <summary>
    /// OpenTelemetry metrics and traces over OTLP, configured the standard way
    /// (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_SERVICE_NAME, ...). Without an
    /// endpoint nothing is collected at all, so a plain run pays nothing for it.
    /// </summary>
    private static void AddIdpTelemetry(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return;
        }

        // OTEL_SERVICE_NAME wins (an explicit service name would override it), else "educloud-idp".
        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } configured ? configured : "educloud-idp";
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceVersion: typeof(OperationsExtensions).Assembly.GetName().Version?.ToString()))
            .WithMetrics(metrics => metrics
                .AddMeter(IdpMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation())
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(options =>
                {
                    options.Filter = http => !http.Request.Path.StartsWithSegments("/health");
                    // Query strings carry authorization codes, state and PKCE values: never exported.
                    options.EnrichWithHttpRequest = (activity, _) => activity.SetTag("url.query", null);
                })
                .AddHttpClientInstrumentation(options =>
                    options.EnrichWithHttpRequestMessage = (activity, _) => activity.SetTag("url.full", activity.GetTagItem("url.full") is string url ? url.Split('?')[0] : null)))
            .UseOtlpExporter();
    }

    public static WebApplication MapIdpOperations(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready"), ResponseWriter = WriteReadinessAsync });
        return app;
    }

    /// <summary>{"status":"Degraded","checks":{"database":{"status":"Healthy"},"idporten":{"status":"Degraded","description":"..."}}}</summary>
    private static Task WriteReadinessAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        return http.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new { status = entry.Value.Status.ToString(), description = entry.Value.Description }),
        });
    }

    private sealed class DatabaseHealthCheck(IdpDbContext db) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            await db.Database.CanConnectAsync(cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("database unreachable");
    }
}
