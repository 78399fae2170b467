using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace QuayBuilder.Podman;

/// <summary>
/// Reads a streamed response body as fast as the runtime sends it, into memory, and serves it
/// to a consumer that may be slower (parsing, masking and queueing every log line).
/// </summary>
/// <remarks>
/// Why (issue 16): with chroot isolation, Podman 4.3.1 drops the end of a RUN's output — up to a
/// pipe buffer, 64 KiB, cut mid-line, right before COMMIT — when its answer to us is backed up at
/// the moment the RUN exits: buildah's chroot helper relays the RUN's output and exits as soon as
/// the RUN has, without waiting for its relay to write what it still holds. Its writes back up
/// only when the service cannot write to us, i.e. when we read slower than the RUN prints.
/// Measured with a consumer slower than the RUN: read at the consumer's pace, 4 of 8 builds lost
/// lines; prefetched by a thread-pool loop, 2 of 25; by a thread of its own, none of 24.
/// Memory is bounded by <see cref="MaxBufferedChunks"/> reads (64 MiB); past that the runtime
/// waits again. Read only asynchronously; one reader.
/// </remarks>
internal sealed class PrefetchStream : Stream
{
    internal const int ChunkSize = 64 * 1024;
    internal const int MaxBufferedChunks = 1024;

    private readonly Stream _inner;
    private readonly Channel<byte[]> _chunks;
    private readonly CancellationTokenSource _stop = new();
    private ReadOnlyMemory<byte> _current;
    private Exception? _failure;
    private readonly Task _pump;
    private int _disposed;

    internal PrefetchStream(Stream inner, int maxBufferedChunks = MaxBufferedChunks)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _chunks = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(maxBufferedChunks)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        // A thread of its own: as a thread-pool continuation the pump waited whenever the pool was
        // busy (2 cores, a consumer doing CPU work), and so did Podman.
        var stop = _stop.Token;
        _pump = Task.Factory.StartNew(() => Pump(stop), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (_current.IsEmpty)
        {
            if (_chunks.Reader.TryRead(out var chunk))
            {
                _current = chunk;
                break;
            }

            if (!await _chunks.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (Volatile.Read(ref _failure) is { } failure)
                {
                    // The connection's own exception (IOException, HttpRequestException), so the
                    // caller reports a broken connection exactly as it would without prefetching.
                    ExceptionDispatchInfo.Capture(failure).Throw();
                }

                return 0;
            }
        }

        var n = Math.Min(buffer.Length, _current.Length);
        _current[..n].CopyTo(buffer);
        _current = _current[n..];
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("PrefetchStream is read asynchronously only.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // The pump owns the response stream. Cancelling its read aborts the connection (it is not
        // reused), so the pump ends at once even while the runtime is still sending.
        await _stop.CancelAsync().ConfigureAwait(false);
        await _pump.ConfigureAwait(false);
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stop.Cancel();
            _pump.GetAwaiter().GetResult();
            _stop.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Pump(CancellationToken ct)
    {
        var buffer = new byte[ChunkSize];
        try
        {
            while (true)
            {
                // Blocking this thread only; a cancellable read, which a synchronous one is not.
                var n = _inner.ReadAsync(buffer, ct).AsTask().GetAwaiter().GetResult();
                if (n == 0)
                {
                    break;
                }

                var chunk = buffer.AsSpan(0, n).ToArray();
                if (!_chunks.Writer.TryWrite(chunk))
                {
                    // Full (MaxBufferedChunks): only now does the runtime wait for the consumer.
                    _chunks.Writer.WriteAsync(chunk, ct).AsTask().GetAwaiter().GetResult();
                }
            }
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            Volatile.Write(ref _failure, e);
        }
        catch (Exception)
        {
            // Stopped by the consumer: nobody reads any more.
        }
        finally
        {
            _chunks.Writer.TryComplete();
            _inner.Dispose();
        }
    }
}
