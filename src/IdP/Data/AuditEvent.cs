namespace Educloud.Idp.Data;

/// <summary>Something security-relevant that happened, kept in the database for support and audit.</summary>
public sealed class AuditEvent
{
    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>One of <see cref="AuditEventTypes"/>.</summary>
    public required string Type { get; set; }

    /// <summary>The person the event is about.</summary>
    public string? UserId { get; set; }

    /// <summary>The research app the person was logging in to, when known.</summary>
    public string? ClientId { get; set; }

    public string? ClientIp { get; set; }

    /// <summary>Who did it, when not the person themselves (a support user or admin).</summary>
    public string? Actor { get; set; }

    /// <summary>The role the actor acted with (admin or support) on an admin API call.</summary>
    public string? ActorRole { get; set; }

    /// <summary>Why, in support's words (admin acts); for <see cref="AuditEventTypes.LoginSucceeded"/> the level of the login (acr).</summary>
    public string? Reason { get; set; }
}
