namespace QuayBuilder.Build;

/// <summary>What the manager shows with the PULLING phase.</summary>
internal sealed record PullMetadata(string RegistryUrl, string BaseImage, string BaseImageTag, string PullUsername);
