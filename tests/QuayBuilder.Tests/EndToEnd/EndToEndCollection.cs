namespace QuayBuilder.Tests.EndToEnd;

/// <summary>End-to-end tests share one Podman service and registry; they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EndToEndCollection
{
    public const string Name = "end-to-end";
}
