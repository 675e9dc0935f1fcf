using OpenIddict.Client;
using static OpenIddict.Client.OpenIddictClientEvents;

namespace Educloud.Idp.Federation;

/// <summary>
/// No userinfo request after the code exchange: the callback reads pid, acr, amr and sid from the
/// validated id_token, and ID-porten's userinfo holds nothing more (its sub and pid). One
/// back-channel round trip less per login (docs/performance.md).
/// </summary>
public sealed class NoUserInfoRequest : IOpenIddictClientHandler<ProcessAuthenticationContext>
{
    /// <summary>Before OpenIddict decides whether to ask for userinfo.</summary>
    public static OpenIddictClientHandlerDescriptor Descriptor { get; } = OpenIddictClientHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
        .UseSingletonHandler<NoUserInfoRequest>()
        .SetOrder(OpenIddictClientHandlers.EvaluateUserInfoRequest.Descriptor.Order - 500)
        .SetType(OpenIddictClientHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        context.DisableUserInfoRetrieval = true;
        return ValueTask.CompletedTask;
    }
}
