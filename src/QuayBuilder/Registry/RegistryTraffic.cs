namespace QuayBuilder.Registry;

/// <summary>What one <see cref="RegistryClient"/> sent and received: requests and body bytes, token requests included.</summary>
internal sealed class RegistryTraffic
{
    private long _requests;
    private long _bytesSent;
    private long _bytesReceived;

    public long Requests => Interlocked.Read(ref _requests);

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    internal void Record(long sent, long received)
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _bytesSent, sent);
        Interlocked.Add(ref _bytesReceived, received);
    }
}
