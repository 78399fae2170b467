namespace QuayBuilder.Build;

/// <summary>The phases Quay shows for a build, in the order a successful build passes them.</summary>
internal enum BuildPhase
{
    Waiting,
    Unpacking,
    Pulling,
    Building,
    Pushing,
    Complete,
    Error,
}
