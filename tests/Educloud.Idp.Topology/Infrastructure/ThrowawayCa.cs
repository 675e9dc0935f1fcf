using Educloud.Idp.Testing;
namespace Educloud.Idp.Topology.Infrastructure;

/// <summary>
/// A certificate authority made with openssl for one test run, and a server certificate for
/// 127.0.0.1 (nginx's TLS). <see cref="Bundle"/> is the system's CAs plus this one: what the
/// replicas get as SSL_CERT_FILE, so they trust nginx (the simulator's https address) as they would
/// a public CA, and nothing in the IdP is told to skip certificate checks.
/// </summary>
public sealed class ThrowawayCa
{
    private ThrowawayCa(string folder)
    {
        Folder = folder;
    }

    public string Folder { get; }

    public string CaCertificate => Path.Combine(Folder, "ca.crt");

    public string ServerCertificate => Path.Combine(Folder, "server.crt");

    public string ServerKey => Path.Combine(Folder, "server.key");

    public string Bundle => Path.Combine(Folder, "ca-bundle.crt");

    public static async Task<ThrowawayCa> CreateAsync(string folder)
    {
        Directory.CreateDirectory(folder);
        var ca = new ThrowawayCa(folder);
        await OpensslAsync(folder, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=Educloud topology test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        await OpensslAsync(folder, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
        await File.WriteAllTextAsync(Path.Combine(folder, "server.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n");
        await OpensslAsync(folder, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.crt", "-days", "1", "-extfile", "server.ext");

        var system = File.Exists("/etc/ssl/certs/ca-certificates.crt") ? await File.ReadAllTextAsync("/etc/ssl/certs/ca-certificates.crt") : "";
        await File.WriteAllTextAsync(ca.Bundle, system + "\n" + await File.ReadAllTextAsync(ca.CaCertificate));
        return ca;
    }

    private static Task<string> OpensslAsync(string folder, params string[] arguments) =>
        ServerProcess.RunAsync(Tools.Require("openssl"), arguments, workingDirectory: folder);
}
