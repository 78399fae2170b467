using System.Text;
using QuayBuilder.Build;

namespace QuayBuilder.Manager;

/// <summary>
/// The producer side: numbering lines as they are queued, the log's byte bound
/// (<see cref="BuildLogBudget"/>), splitting long lines, and waiting for the queue to be answered.
/// </summary>
internal sealed partial class BuildLogStream
{
    /// <summary>
    /// Queues one log line, already masked. Thread-safe; never blocks on the network. A line past
    /// the log's bound is left out; a line longer than <c>MaxPieceBytes</c> is queued as pieces.
    /// </summary>
    public void Enqueue(BuildLogMessage message, string phase)
    {
        long bytes = Encoding.UTF8.GetByteCount(message.Text);
        if (bytes > _options.MaxPieceBytes || (_budget.IsCut && message.Kind != LogMessageKind.Error))
        {
            EnqueueLongOrCut(message, phase, bytes);
            return;
        }

        // The common case, one message: encoded outside the lock, admitted and numbered under it.
        // (IsCut is read without the lock: a stale false only sends the line to Admit, which decides.)
        var json = message.ToJson();
        BuildLogMessage? notice;
        lock (_gate)
        {
            _phase = phase;
            if (_budget.Admit(message.Kind, bytes, out notice))
            {
                Push(json, phase, bytes, isNotice: false);
                return;
            }

            if (notice is { } cut)
            {
                Push(cut.ToJson(), phase, Encoding.UTF8.GetByteCount(cut.Text), isNotice: true);
            }
        }

        if (notice is not null)
        {
            LogCut(_logger, _budget.MaxBytes);
        }
    }

    private void EnqueueLongOrCut(BuildLogMessage message, string phase, long bytes)
    {
        bool admitted;
        BuildLogMessage? notice;
        lock (_gate)
        {
            admitted = _budget.Admit(message.Kind, bytes, out notice);
            _phase = phase;
            if (notice is { } cut)
            {
                Push(cut.ToJson(), phase, Encoding.UTF8.GetByteCount(cut.Text), isNotice: true);
            }
        }

        if (notice is not null)
        {
            LogCut(_logger, _budget.MaxBytes);
        }

        if (admitted)
        {
            Add(LogLineSplitter.Split(message, _options.MaxPieceBytes), phase);
        }
    }

    /// <summary>
    /// Waits until every line queued before this call has been answered, but never longer than
    /// <c>FlushTimeout</c> (15 s by default) or until <paramref name="cancellationToken"/> fires.
    /// Returns whether every line was answered; what was not stays queued. When the log was cut,
    /// one line saying how much was left out is queued first.
    /// </summary>
    public async Task<bool> FlushAsync(CancellationToken cancellationToken)
    {
        BuildLogMessage? summary;
        string phase;
        lock (_gate)
        {
            summary = _budget.TakeSummary();
            phase = _phase;
        }

        if (summary is { } line)
        {
            lock (_gate)
            {
                Push(line.ToJson(), phase, Encoding.UTF8.GetByteCount(line.Text), isNotice: true);
            }
        }

        long target;
        lock (_gate)
        {
            target = _enqueued;
        }

        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(_options.FlushTimeout);
        try
        {
            while (true)
            {
                Task signal;
                lock (_gate)
                {
                    if (_settled >= target)
                    {
                        return true;
                    }

                    signal = _progress.Task;
                }

                await signal.WaitAsync(bound.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            long left;
            lock (_gate)
            {
                left = target - _settled;
            }

            LogFlushGaveUp(_logger, _options.FlushTimeout.TotalSeconds, left);
            return false;
        }
    }


    /// <summary>Numbers and queues the pieces of one line, consecutively even with other writers.</summary>
    private void Add(IReadOnlyList<BuildLogMessage> pieces, string phase)
    {
        var encoded = pieces.Select(p => (Json: p.ToJson(), Bytes: (long)Encoding.UTF8.GetByteCount(p.Text))).ToArray();
        lock (_gate)
        {
            foreach (var (json, bytes) in encoded)
            {
                Push(json, phase, bytes, isNotice: false);
            }
        }
    }

    /// <summary>Numbers and queues one message. The caller holds <see cref="_gate"/>.</summary>
    private void Push(string json, string phase, long textBytes, bool isNotice)
    {
        _enqueued++;
        _queue.Writer.TryWrite(new Entry(++_lastSequence, json, phase, textBytes, isNotice));
    }

}
