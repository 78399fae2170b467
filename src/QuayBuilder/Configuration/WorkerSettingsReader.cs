namespace QuayBuilder.Configuration;

/// <summary>
/// Reads <see cref="WorkerSettings"/> for worker mode: the manager's settings, the build's, and
/// the CA sources. Every problem is a <see cref="ConfigurationException"/> with one line naming
/// the variable and the fix; the value of a secret is never repeated in it.
/// </summary>
internal static class WorkerSettingsReader
{
    private static readonly string[] CaFileVariables = ["TLS_CERT_PATH", "SSL_CERT_FILE", "GIT_SSL_CAINFO"];

    public static WorkerSettings Read(Func<string, string?> environment)
    {
        var values = new EnvironmentValues(environment);
        var manager = ManagerSettingsReader.Read(environment);
        var caFiles = new List<(string Variable, string Path)>();
        foreach (var variable in CaFileVariables)
        {
            if (values.CaFile(variable) is { } path)
            {
                caFiles.Add((variable, path));
            }
        }

        return new WorkerSettings
        {
            Manager = manager,
            Build = BuildSettingsReader.Read(environment),
            TlsCertPath = caFiles.Where(f => f.Variable == "TLS_CERT_PATH").Select(f => f.Path).FirstOrDefault(),
            CaCert = values.Get("CA_CERT"),
            CaFiles = caFiles,
            CertsDirectory = values.Get("CERTS_DIR") ?? "/certs",
        };
    }
}
