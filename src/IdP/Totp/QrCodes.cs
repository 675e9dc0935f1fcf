using QRCoder;

namespace Educloud.Idp.Totp;

/// <summary>Renders the otpauth URI as a QR code image for the enrollment page.</summary>
public sealed class QrCodes
{
    /// <summary>A PNG data URI (our CSP allows img-src data:), so the secret never travels in a separate image URL.</summary>
    public string PngDataUri(string content)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(content, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(data).GetGraphic(6);
        return "data:image/png;base64," + Convert.ToBase64String(png);
    }
}
