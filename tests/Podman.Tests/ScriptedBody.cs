namespace QuayBuilder.Podman.Tests;

/// <summary>
/// A response body that arrives in the given pieces, one per read, whatever the reader's
/// buffer size: how a socket can split the runtime's output. Records whether its end was read.
/// </summary>
internal sealed class ScriptedBody(IReadOnlyList<byte[]> pieces, Exception? failAtEnd = null) : Stream
{
    private int _piece;
    private int _offset;

    /// <summary>Set once a read has returned the end of the body (or its failure).</summary>
    public TaskCompletionSource EndReached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_piece < pieces.Count && _offset == pieces[_piece].Length)
        {
            _piece++;
            _offset = 0;
        }

        if (_piece == pieces.Count)
        {
            EndReached.TrySetResult();
            if (failAtEnd is not null)
            {
                throw failAtEnd;
            }

            return 0;
        }

        var n = Math.Min(buffer.Length, pieces[_piece].Length - _offset);
        pieces[_piece].AsSpan(_offset, n).CopyTo(buffer);
        _offset += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
