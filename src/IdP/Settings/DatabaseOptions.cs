namespace Educloud.Idp.Settings;

public enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
}

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Sqlite (embedded default, one process) or PostgreSql (production, several replicas).</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    public string ConnectionString { get; set; } = "Data Source=data/idp.db";

    /// <summary>Apply pending migrations when the IdP starts. On in Development; elsewhere use the <c>migrate</c> command.</summary>
    public bool MigrateOnStartup { get; set; }
}
