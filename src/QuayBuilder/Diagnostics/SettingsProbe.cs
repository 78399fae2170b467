namespace QuayBuilder.Diagnostics;

/// <summary>
/// A chosen part of the environment, for the settings readers: each check validates its own
/// variables with the worker's exact rules and messages, and one bad variable neither hides the
/// others nor is reported twice. The rest reads as unset (the build settings need nothing).
/// </summary>
internal static class SettingsProbe
{
    /// <summary>Only <paramref name="visible"/> from <paramref name="environment"/>; the rest is unset.</summary>
    public static Func<string, string?> Only(Func<string, string?> environment, params string[] visible) =>
        name => visible.Contains(name, StringComparer.Ordinal) ? environment(name) : null;

    /// <summary>Everything but <paramref name="hidden"/>.</summary>
    public static Func<string, string?> AllBut(Func<string, string?> environment, IReadOnlyCollection<string> hidden) =>
        name => hidden.Contains(name, StringComparer.Ordinal) ? null : environment(name);
}
