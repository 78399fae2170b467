using QuayBuilder.Configuration;

namespace QuayBuilder.Diagnostics;

/// <summary>
/// The settings no other check covers (DEBUG, HEARTBEAT_*, REGISTRATION_TIMEOUT, PACKAGE_*,
/// GIT_*, LOG_MAX_BYTES, proxies), validated by the worker's own readers. The variables the
/// other checks own are hidden from it, so each problem is reported once, by the check that
/// knows most about it.
/// </summary>
internal static class ConfigurationCheck
{
    public const string Name = "config";

    public static CheckLine Run(Func<string, string?> environment, IReadOnlyCollection<string> checkedElsewhere)
    {
        try
        {
            var rest = SettingsProbe.AllBut(environment, checkedElsewhere);
            var timings = ManagerSettingsReader.ReadTimings(new EnvironmentValues(rest));
            var settings = BuildSettingsReader.Read(rest);
            return CheckLine.Ok(Name,
                $"other settings valid (heartbeat every {timings.HeartbeatInterval.TotalSeconds:0} s, package limit {settings.SourceLimits.MaxTotalBytes / (1 << 20)} MiB, git timeouts {settings.GitIdleTimeout.TotalSeconds:0}/{settings.GitTotalTimeout.TotalSeconds:0} s{(settings.Debug ? ", DEBUG on" : string.Empty)})");
        }
        catch (ConfigurationException e)
        {
            return CheckLine.Fail(Name, e.Message);
        }
    }
}
