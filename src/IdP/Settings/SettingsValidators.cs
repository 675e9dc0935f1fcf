using Microsoft.Extensions.Options;

namespace Educloud.Idp.Settings;

// Each validator names the configuration key it complains about, so an operator can fix the
// setting without reading code. Development-only conveniences (generated keys, the simulator,
// development secrets) are refused everywhere else: config must never fail open.

internal sealed class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail("Database:ConnectionString is required.");
        }

        return options.Provider == DatabaseProvider.PostgreSql ? ValidatePostgreSql(options.ConnectionString) : ValidateOptionsResult.Success;
    }

    private static ValidateOptionsResult ValidatePostgreSql(string connectionString)
    {
        Npgsql.NpgsqlConnectionStringBuilder parsed;
        try
        {
            parsed = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            // The message names the bad keyword, never the value (it may hold the password).
            return ValidateOptionsResult.Fail($"Database:ConnectionString is not a PostgreSQL connection string: {e.Message}");
        }

        if (string.IsNullOrWhiteSpace(parsed.Host))
        {
            return ValidateOptionsResult.Fail("Database:ConnectionString must name the PostgreSQL server (Host=...) when Database:Provider is PostgreSql.");
        }

        // Multiplexing shares one physical connection between commands: transactions still work,
        // but nothing here needs it and it hides which connection a statement ran on.
        return parsed.Multiplexing
            ? ValidateOptionsResult.Fail("Database:ConnectionString: Multiplexing is not supported; remove it.")
            : ValidateOptionsResult.Success;
    }
}

internal sealed class IdPortenOptionsValidator(IHostEnvironment environment) : IValidateOptions<IdPortenOptions>
{
    public ValidateOptionsResult Validate(string? name, IdPortenOptions options)
    {
        var errors = new List<string>();
        if (options.UseSimulator && !environment.IsDevelopment())
        {
            errors.Add($"IdPorten:UseSimulator is only allowed in Development (environment is '{environment.EnvironmentName}').");
        }

        if (!options.UseSimulator && !UriRules.IsHttpsOrLoopback(options.Issuer))
        {
            errors.Add("IdPorten:Issuer must be an absolute https URL, e.g. https://test.idporten.no.");
        }

        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            errors.Add("IdPorten:ClientId is required.");
        }

        if (!options.UseSimulator && string.IsNullOrWhiteSpace(options.ClientSecret) && string.IsNullOrWhiteSpace(options.PrivateKeyPath))
        {
            errors.Add("IdPorten:PrivateKeyPath (recommended) or IdPorten:ClientSecret is required.");
        }

        if (!string.IsNullOrWhiteSpace(options.PrivateKeyPath) && !File.Exists(options.PrivateKeyPath))
        {
            errors.Add($"IdPorten:PrivateKeyPath: file '{options.PrivateKeyPath}' does not exist.");
        }

        if (!AcrLevels.IsKnown(options.AcrValues))
        {
            errors.Add($"IdPorten:AcrValues must be '{AcrLevels.Substantial}' or '{AcrLevels.High}'.");
        }

        if (!options.RedirectPath.StartsWith('/'))
        {
            errors.Add("IdPorten:RedirectPath must start with '/'.");
        }

        if (!options.FrontChannelLogoutPath.StartsWith('/') || options.FrontChannelLogoutPath == options.RedirectPath)
        {
            errors.Add("IdPorten:FrontChannelLogoutPath must start with '/' and differ from RedirectPath.");
        }

        if (!options.BackChannelLogoutPath.StartsWith('/') || options.BackChannelLogoutPath == options.RedirectPath || options.BackChannelLogoutPath == options.FrontChannelLogoutPath)
        {
            errors.Add("IdPorten:BackChannelLogoutPath must start with '/' and differ from RedirectPath and FrontChannelLogoutPath.");
        }

        if (options.BackchannelTimeout < TimeSpan.FromSeconds(1) || options.BackchannelTimeout > TimeSpan.FromSeconds(60))
        {
            errors.Add("IdPorten:BackchannelTimeout must be between 00:00:01 and 00:01:00.");
        }

        for (var i = 0; i < options.FrontChannelLogoutFrameAncestors.Count; i++)
        {
            if (!Uri.TryCreate(options.FrontChannelLogoutFrameAncestors[i], UriKind.Absolute, out var origin) || origin.Scheme != Uri.UriSchemeHttps
                || origin.GetLeftPart(UriPartial.Authority) != options.FrontChannelLogoutFrameAncestors[i].TrimEnd('/'))
            {
                errors.Add($"IdPorten:FrontChannelLogoutFrameAncestors:{i} must be an https origin (scheme and host only).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

internal sealed class KeysOptionsValidator(IHostEnvironment environment) : IValidateOptions<KeysOptions>
{
    public ValidateOptionsResult Validate(string? name, KeysOptions options)
    {
        var errors = new List<string>();
        if (!environment.IsDevelopment())
        {
            if (options.SigningKeyPaths.Count == 0)
            {
                errors.Add("Keys:SigningKeyPaths needs at least one PEM private key outside Development (development keys are refused).");
            }

            if (string.IsNullOrWhiteSpace(options.EncryptionKeyPath))
            {
                errors.Add("Keys:EncryptionKeyPath is required outside Development (development keys are refused).");
            }

            if (string.IsNullOrWhiteSpace(options.DataProtectionKeyPath))
            {
                errors.Add("Keys:DataProtectionKeyPath is required outside Development (development keys are refused).");
            }
        }

        for (var i = 0; i < options.SigningKeyPaths.Count; i++)
        {
            if (!File.Exists(options.SigningKeyPaths[i]))
            {
                errors.Add($"Keys:SigningKeyPaths:{i}: file '{options.SigningKeyPaths[i]}' does not exist.");
            }
        }

        if (!string.IsNullOrWhiteSpace(options.EncryptionKeyPath) && !File.Exists(options.EncryptionKeyPath))
        {
            errors.Add($"Keys:EncryptionKeyPath: file '{options.EncryptionKeyPath}' does not exist.");
        }

        if (!string.IsNullOrWhiteSpace(options.DataProtectionKeyPath) && !File.Exists(options.DataProtectionKeyPath))
        {
            errors.Add($"Keys:DataProtectionKeyPath: file '{options.DataProtectionKeyPath}' does not exist.");
        }

        for (var i = 0; i < options.PreviousDataProtectionKeyPaths.Count; i++)
        {
            if (!File.Exists(options.PreviousDataProtectionKeyPaths[i]))
            {
                errors.Add($"Keys:PreviousDataProtectionKeyPaths:{i}: file '{options.PreviousDataProtectionKeyPaths[i]}' does not exist.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

internal sealed class UsersOptionsValidator(IHostEnvironment environment) : IValidateOptions<UsersOptions>
{
    public ValidateOptionsResult Validate(string? name, UsersOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.PidLookupKeyPath))
        {
            return environment.IsDevelopment()
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail("Users:PidLookupKeyPath is required outside Development.");
        }

        return File.Exists(options.PidLookupKeyPath)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Users:PidLookupKeyPath: file '{options.PidLookupKeyPath}' does not exist.");
    }
}

internal sealed class IdpSessionOptionsValidator : IValidateOptions<IdpSessionOptions>
{
    public ValidateOptionsResult Validate(string? name, IdpSessionOptions options)
    {
        var errors = new List<string>();
        if (options.IdleTimeout <= TimeSpan.Zero || options.IdleTimeout > TimeSpan.FromHours(1))
        {
            errors.Add("Session:IdleTimeout must be more than 0 and at most 01:00:00 (NIST 800-63B AAL2).");
        }

        if (options.AbsoluteTimeout < options.IdleTimeout || options.AbsoluteTimeout > TimeSpan.FromHours(24))
        {
            errors.Add("Session:AbsoluteTimeout must be at least Session:IdleTimeout and at most 24:00:00 (NIST 800-63B AAL2).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

internal sealed class TokenOptionsValidator : IValidateOptions<TokenOptions>
{
    public ValidateOptionsResult Validate(string? name, TokenOptions options)
    {
        var errors = new List<string>();
        Check(options.AccessTokenLifetime, TimeSpan.FromHours(1), "Tokens:AccessTokenLifetime");
        Check(options.IdentityTokenLifetime, TimeSpan.FromHours(1), "Tokens:IdentityTokenLifetime");
        Check(options.AuthorizationCodeLifetime, TimeSpan.FromMinutes(10), "Tokens:AuthorizationCodeLifetime");
        Check(options.RefreshTokenLifetime, TimeSpan.FromDays(30), "Tokens:RefreshTokenLifetime");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);

        void Check(TimeSpan value, TimeSpan max, string key)
        {
            if (value <= TimeSpan.Zero || value > max)
            {
                errors.Add($"{key} must be more than 0 and at most {max}.");
            }
        }
    }
}

internal sealed class ClientsOptionsValidator(IHostEnvironment environment) : IValidateOptions<ClientsOptions>
{
    /// <summary>Development secrets in the repository carry this marker; they are refused outside Development.</summary>
    public const string DevelopmentSecretMarker = "DEVELOPMENT-ONLY";

    public ValidateOptionsResult Validate(string? name, ClientsOptions options)
    {
        var errors = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Clients.Count; i++)
        {
            var client = options.Clients[i];
            var key = $"Clients:{i}";
            if (string.IsNullOrWhiteSpace(client.ClientId))
            {
                errors.Add($"{key}:ClientId is required.");
            }
            else if (!seen.Add(client.ClientId))
            {
                errors.Add($"{key}:ClientId '{client.ClientId}' is registered twice.");
            }

            if (string.IsNullOrWhiteSpace(client.DisplayName))
            {
                errors.Add($"{key}:DisplayName is required.");
            }

            if (client.ClientSecret is { } secret)
            {
                if (secret.Contains(DevelopmentSecretMarker, StringComparison.Ordinal) && !environment.IsDevelopment())
                {
                    errors.Add($"{key}:ClientSecret is a development secret; set a real one outside Development.");
                }
                else if (secret.Length < 32)
                {
                    errors.Add($"{key}:ClientSecret must be at least 32 characters.");
                }
            }

            if (client.AllowClientCredentials && client.ClientSecret is null)
            {
                errors.Add($"{key}:AllowClientCredentials needs a confidential client (a ClientSecret).");
            }

            if (!string.IsNullOrEmpty(client.Audience) && !Connect.AppAudience.IsValid(client.Audience))
            {
                errors.Add($"{key}:Audience {Connect.AppAudience.Rule}");
            }

            if (!string.IsNullOrEmpty(client.BackChannelLogoutUri) && !Logout.AppBackChannel.IsValid(client.BackChannelLogoutUri, environment.IsDevelopment()))
            {
                errors.Add($"{key}:BackChannelLogoutUri {Logout.AppBackChannel.Rule(environment.IsDevelopment())}");
            }

            CheckUris(client.RedirectUris, $"{key}:RedirectUris", errors);
            CheckUris(client.PostLogoutRedirectUris, $"{key}:PostLogoutRedirectUris", errors);

            for (var s = 0; s < client.Scopes.Count; s++)
            {
                if (!Connect.IdpScopes.IsKnown(client.Scopes[s]))
                {
                    errors.Add($"{key}:Scopes:{s}: unknown scope '{client.Scopes[s]}' (known: {string.Join(", ", Connect.IdpScopes.All)}).");
                }
            }

            if (client.RedirectUris.Count > 0 && !client.Scopes.Contains(Connect.IdpScopes.OpenId))
            {
                errors.Add($"{key}:Scopes must contain 'openid' for an app that logs users in.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    // RFC 9700 2.1 and 4.1.3: absolute URIs, no fragments, https except on loopback.
    private static void CheckUris(List<string> uris, string key, List<string> errors)
    {
        for (var u = 0; u < uris.Count; u++)
        {
            if (!UriRules.IsHttpsOrLoopback(uris[u]) || uris[u].Contains('#', StringComparison.Ordinal))
            {
                errors.Add($"{key}:{u}: '{uris[u]}' must be an absolute https URL (http only for localhost) without a fragment.");
            }
        }
    }
}

internal static class UriRules
{
    public static bool IsHttpsOrLoopback(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback));
}
