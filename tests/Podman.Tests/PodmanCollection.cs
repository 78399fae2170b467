namespace QuayBuilder.Podman.Tests;

[CollectionDefinition(Name)]
public sealed class PodmanCollection : ICollectionFixture<PodmanFixture>
{
    public const string Name = "podman";
}
