using System.Diagnostics.Metrics;
using Educloud.Idp.Hosting;

namespace Educloud.Idp.Logout;

/// <summary>Back-channel logout deliveries, on the IdP's meter (<see cref="IdpMetrics.MeterName"/>); tags are fixed values, never an app's URI or a person.</summary>
public sealed class LogoutMetrics
{
    private readonly Counter<long> deliveries;

    public LogoutMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(IdpMetrics.MeterName);
        deliveries = meter.CreateCounter<long>("educloud.idp.backchannel_logout.deliveries", "{attempt}",
            "Back-channel logout tokens sent to apps, by result: delivered, retry (failed, tried again later), failed (given up after the retry window).");
    }

    public void Delivered() => deliveries.Add(1, new KeyValuePair<string, object?>("result", "delivered"));

    public void Retry() => deliveries.Add(1, new KeyValuePair<string, object?>("result", "retry"));

    public void Failed() => deliveries.Add(1, new KeyValuePair<string, object?>("result", "failed"));
}
