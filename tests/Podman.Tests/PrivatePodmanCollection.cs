namespace QuayBuilder.Podman.Tests;

[CollectionDefinition(Name)]
public sealed class PrivatePodmanCollection : ICollectionFixture<PrivatePodmanFixture>
{
    public const string Name = "private-podman";
}
