using QuayBuilder.Configuration;

namespace QuayBuilder.Diagnostics;

/// <summary>
/// Runs <see cref="WorkerSettingsReader.Read"/> over a chosen part of the environment, so each
/// check validates its own variables with the worker's exact rules and messages, and one bad
/// variable neither hides the others nor is reported twice. SERVER and TOKEN, which the reader
/// requires, get harmless stand-ins when they are not part of the probe.
/// </summary>
internal static class SettingsProbe
{
    private const string StandInServer = "localhost:1";
    private const string StandInToken = "stand-in";

    /// <summary>Reads only <paramref name="visible"/> from <paramref name="environment"/>; the rest is unset.</summary>
    public static WorkerSettings Only(Func<string, string?> environment, params string[] visible) =>
        WorkerSettingsReader.Read(name => visible.Contains(name, StringComparer.Ordinal) ? environment(name) : StandIn(name));

    /// <summary>Reads everything but <paramref name="hidden"/>.</summary>
    public static WorkerSettings AllBut(Func<string, string?> environment, IReadOnlyCollection<string> hidden) =>
        WorkerSettingsReader.Read(name => hidden.Contains(name, StringComparer.Ordinal) ? StandIn(name) : environment(name));

    private static string? StandIn(string name) => name switch
    {
        "SERVER" => StandInServer,
        "TOKEN" => StandInToken,
        _ => null,
    };
}
