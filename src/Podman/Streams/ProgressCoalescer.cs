namespace QuayBuilder.Podman;

/// <summary>
/// Sits between a pull/push's <c>onMessage</c> and the build log so a large layer does not
/// turn into thousands of log lines. Per layer id, a progress update (a message with
/// <see cref="PodmanMessage.Current"/>) passes only when <see cref="Interval"/> has passed since
/// the last one passed for that id and it advanced by at least 1 % (or the total is unknown);
/// a held-back update is emitted before the next non-progress message of its layer, or on
/// <see cref="Flush"/>, so the final state of every layer is always seen. Everything else
/// passes through immediately, in order. Not thread-safe: one stream, one coalescer.
/// </summary>
public sealed class ProgressCoalescer
{
    private readonly Action<PodmanMessage> _next;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, LayerState> _layers = new(StringComparer.Ordinal);

    public ProgressCoalescer(Action<PodmanMessage> next, TimeSpan interval, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(next);
        _next = next;
        Interval = interval;
        _time = time ?? TimeProvider.System;
    }

    public TimeSpan Interval { get; }

    public void OnMessage(PodmanMessage message)
    {
        if (message.Id is not { } id || message.Current is not { } current)
        {
            if (message.Id is { } layer)
            {
                EmitPending(layer);
            }
            else
            {
                // A message about no layer in particular (text, a final status): keep order by
                // letting every held-back layer state out first.
                Flush();
            }

            _next(message);
            return;
        }

        var now = _time.GetTimestamp();
        if (!_layers.TryGetValue(id, out var state))
        {
            _layers[id] = new LayerState(now, current, null);
            _next(message);
            return;
        }

        var complete = message.Total is { } total && total > 0 && current >= total;
        var due = _time.GetElapsedTime(state.LastEmitted, now) >= Interval;
        var advanced = message.Total is not { } t || t <= 0 || (current - state.LastCurrent) * 100 >= t;
        if (complete || (due && advanced))
        {
            _layers[id] = new LayerState(now, current, null);
            _next(message);
        }
        else
        {
            _layers[id] = state with { Pending = message };
        }
    }

    /// <summary>Emits every held-back update; call when the stream ends, successfully or not.</summary>
    public void Flush()
    {
        foreach (var id in _layers.Keys.ToList())
        {
            EmitPending(id);
        }
    }

    private void EmitPending(string id)
    {
        if (_layers.TryGetValue(id, out var state) && state.Pending is { } pending)
        {
            _layers[id] = new LayerState(_time.GetTimestamp(), pending.Current ?? state.LastCurrent, null);
            _next(pending);
        }
    }

    private readonly record struct LayerState(long LastEmitted, long LastCurrent, PodmanMessage? Pending);
}
