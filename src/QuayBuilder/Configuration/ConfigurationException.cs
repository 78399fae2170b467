namespace QuayBuilder.Configuration;

/// <summary>
/// The worker's environment is wrong. The message is one line that names the variable, what is
/// wrong with its value, and what a valid value looks like; it never repeats a secret's value.
/// </summary>
internal sealed class ConfigurationException(string message) : Exception(message);
