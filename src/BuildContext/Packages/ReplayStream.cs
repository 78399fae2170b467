namespace QuayBuilder.BuildContext;

/// <summary>
/// Gives back the bytes already read to detect the package kind, then the rest of the
/// download, so detection needs no seekable stream and no temporary copy.
/// </summary>
internal sealed class ReplayStream(ReadOnlyMemory<byte> head, Stream rest) : Stream
{
    private ReadOnlyMemory<byte> head = head;
    private long position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    /// <summary>Bytes read so far; the xz decoder uses it to check block padding.</summary>
    public override long Position
    {
        get => position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = head.IsEmpty ? rest.Read(buffer) : TakeHead(buffer);
        position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = head.IsEmpty
            ? await rest.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)
            : TakeHead(buffer.Span);
        position += read;
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int TakeHead(Span<byte> buffer)
    {
        var count = Math.Min(buffer.Length, head.Length);
        head.Span[..count].CopyTo(buffer);
        head = head[count..];
        return count;
    }
}
