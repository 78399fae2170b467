namespace QuayBuilder.Build;

/// <summary>What a finished build produced: the image and where it was pushed.</summary>
internal sealed record BuildResult(string ImageId, IReadOnlyList<string> PushedReferences, IReadOnlyList<string> Digests);
