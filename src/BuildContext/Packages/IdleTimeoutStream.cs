using System.Buffers;

namespace QuayBuilder.BuildContext;

/// <summary>
/// Fails a download that stops delivering bytes: every read must return within
/// <see cref="SourceLimits.IdleTimeout"/>. The whole-download bound is the caller's token.
/// </summary>
internal sealed class IdleTimeoutStream : Stream
{
    private readonly Stream _inner;
    private readonly TimeSpan _idleTimeout;
    private readonly CancellationToken _downloadToken;
    private readonly CancellationTokenSource _idle;

    public IdleTimeoutStream(Stream inner, TimeSpan idleTimeout, CancellationToken downloadToken)
    {
        _inner = inner;
        _idleTimeout = idleTimeout;
        _downloadToken = downloadToken;
        _idle = CancellationTokenSource.CreateLinkedTokenSource(downloadToken);
    }

    /// <summary>Bytes received so far (compressed, as they came off the wire).</summary>
    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public static SourceException Stalled(TimeSpan idleTimeout) =>
        new($"The build package download stalled: no data arrived for {idleTimeout.TotalSeconds:0} s " +
            $"(PACKAGE_IDLE_TIMEOUT={idleTimeout.TotalSeconds:0}). Check the storage or proxy, or raise PACKAGE_IDLE_TIMEOUT.");

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>
    /// The xz and bzip2 decoders read synchronously; they run on the extraction's own
    /// task, so blocking here holds one thread-pool thread for the length of one read.
    /// </summary>
    public override int Read(Span<byte> buffer)
    {
        var array = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var read = ReadAsync(array.AsMemory(0, buffer.Length), CancellationToken.None).AsTask().GetAwaiter().GetResult();
            array.AsSpan(0, read).CopyTo(buffer);
            return read;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _idle.CancelAfter(_idleTimeout);
        try
        {
            var read = await _inner.ReadAsync(buffer, _idle.Token).ConfigureAwait(false);
            BytesRead += read;
            return read;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException
                                  && _idle.IsCancellationRequested && !_downloadToken.IsCancellationRequested)
        {
            throw Stalled(_idleTimeout);
        }
        finally
        {
            _idle.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _idle.Dispose();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
