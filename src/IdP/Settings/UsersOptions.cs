namespace Educloud.Idp.Settings;

public sealed class UsersOptions
{
    public const string Section = "Users";

    /// <summary>
    /// File holding a base64 key of at least 256 bits for the keyed hash (HMAC-SHA256) used to look
    /// people up by national identity number. Changing it makes existing users unfindable.
    /// Required outside Development (where one is generated under Keys:DevelopmentKeysDirectory).
    /// </summary>
    public string? PidLookupKeyPath { get; set; }
}
