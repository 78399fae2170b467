using System.Diagnostics;
using Grpc.Core;

namespace QuayBuilder.Manager;

/// <summary>The state one stream's writer and reader share.</summary>
internal sealed partial class BuildLogStream
{
    /// <summary>What one stream's reader learned: answers, the last activity, the final status.</summary>
    private sealed class StreamState
    {
        private readonly Lock _gate = new();
        private long _answers;
        private long _lastActivity = Stopwatch.GetTimestamp();
        private Status? _status;

        public long Answers => Interlocked.Read(ref _answers);

        public TimeSpan SinceActivity => Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastActivity));

        public Status? Status
        {
            get
            {
                lock (_gate)
                {
                    return _status;
                }
            }
        }

        public void Touch() => Interlocked.Exchange(ref _lastActivity, Stopwatch.GetTimestamp());

        public void Answered()
        {
            Interlocked.Increment(ref _answers);
            Touch();
        }

        public void Fail(Status status)
        {
            lock (_gate)
            {
                // The first status is the server's verdict; a later one only echoes the teardown.
                _status ??= status;
            }
        }
    }
}
