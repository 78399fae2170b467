namespace QuayBuilder.Podman;

/// <summary>Credentials for one registry.</summary>
public sealed record RegistryAuth(string Username, string Password)
{
    // The generated ToString would print the password into any log that formats this record.
    public override string ToString() => $"RegistryAuth {{ Username = {Username}, Password = *** }}";
}
