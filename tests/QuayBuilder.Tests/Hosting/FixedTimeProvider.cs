namespace QuayBuilder.Tests.Hosting;

/// <summary>A clock stopped at one instant, so timestamps in formatted lines can be asserted exactly.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
