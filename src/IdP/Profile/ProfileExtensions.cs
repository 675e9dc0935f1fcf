namespace Educloud.Idp.Profile;

public static class ProfileExtensions
{
    /// <summary>A person's name and email (their pages: Pages/Account/Welcome, Profile, ConfirmEmail) and the notices of change.</summary>
    public static WebApplicationBuilder AddIdpProfile(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<ProfileService>();
        builder.Services.AddScoped<ChangeNotices>();
        return builder;
    }
}
