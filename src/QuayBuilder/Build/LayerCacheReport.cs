namespace QuayBuilder.Build;

/// <summary>What one publish or prime of the layer cache did and cost; <see cref="Warning"/> is set when it gave up.</summary>
internal sealed record LayerCacheReport(int Images, long Requests, long BytesSent, long BytesReceived, TimeSpan Elapsed, string? Warning)
{
    public bool Succeeded => Warning is null;

    public string Describe(string action) => Warning is { } warning
        ? $"Layer cache not {action}: {warning}; the build itself is unaffected"
        : $"Layer cache {action}: {Images} intermediate images, {Requests} registry requests, {BytesSent} bytes sent, {BytesReceived} bytes received, {Elapsed.TotalSeconds:0.0} s";
}
