namespace QuayBuilder.BuildContext;

/// <summary>
/// Gives back the bytes already read to detect the package kind, then the rest of the
/// download, so detection needs no seekable stream and no temporary copy. With a read-ahead
/// size, small reads are served from a buffer: SharpCompress's decoders read their input a
/// few bytes at a time, and each of those must not become a network read. (BufferedStream
/// cannot be used: the xz decoder needs <see cref="Position"/>.)
/// </summary>
internal sealed class ReplayStream(ReadOnlyMemory<byte> head, Stream rest, int readAhead = 0) : Stream
{
    private readonly byte[]? _buffer = readAhead > 0 ? new byte[readAhead] : null;
    private ReadOnlyMemory<byte> _pending = head;
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    /// <summary>Bytes read so far; the xz decoder uses it to check block padding.</summary>
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> destination)
    {
        if (_pending.IsEmpty && _buffer is not null && destination.Length < _buffer.Length)
        {
            _pending = _buffer.AsMemory(0, rest.Read(_buffer));
        }

        var read = _pending.IsEmpty ? rest.Read(destination) : TakePending(destination);
        _position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (_pending.IsEmpty && _buffer is not null && destination.Length < _buffer.Length)
        {
            _pending = _buffer.AsMemory(0, await rest.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false));
        }

        var read = _pending.IsEmpty
            ? await rest.ReadAsync(destination, cancellationToken).ConfigureAwait(false)
            : TakePending(destination.Span);
        _position += read;
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int TakePending(Span<byte> destination)
    {
        var count = Math.Min(destination.Length, _pending.Length);
        _pending.Span[..count].CopyTo(destination);
        _pending = _pending[count..];
        return count;
    }
}
