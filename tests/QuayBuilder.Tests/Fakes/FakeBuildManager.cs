using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grpc.Core;
using QuayBuilder.Protocol;

namespace QuayBuilder.Tests.Fakes;

/// <summary>
/// A build manager that enforces shared/docs/protocol.md the way the deployed server does and
/// records what it received. Switches inject latency and faults.
/// </summary>
public sealed partial class FakeBuildManager : BuildManager.BuildManagerBase
{
    private readonly Lock _gate = new();
    private readonly List<RecordedPhase> _phases = [];
    private readonly List<RecordedLogLine> _log = [];
    private readonly List<string> _violations = [];
    private Phase _phase = Phase.Waiting;
    private bool _registered;

    public FakeBuildManager(BuildPack pack, string registrationToken = "registration-token-ABCDEF123456")
    {
        Pack = pack;
        RegistrationToken = registrationToken;
        if (string.IsNullOrEmpty(Pack.JobJwt))
        {
            Pack.JobJwt = "job-jwt-" + Guid.NewGuid().ToString("N");
        }
    }

    public BuildPack Pack { get; }

    public string RegistrationToken { get; }

    public string JobToken => Pack.JobJwt;

    // ---- switches ----

    /// <summary>Delay before answering each LogMessage request.</summary>
    public TimeSpan LogLatency { get; set; }

    /// <summary>What heartbeats are answered with.</summary>
    public Func<bool> HeartbeatReply { get; set; } = () => true;

    /// <summary>SetPhase calls to fail with UNAVAILABLE before answering normally.</summary>
    public int SetPhaseUnavailable { get; set; }

    /// <summary>Break the log stream (abort the call) after this many lines on a stream; 0 = never.</summary>
    public int BreakLogStreamAfter { get; set; }

    /// <summary>Only break the log stream this many times.</summary>
    public int LogStreamBreaks { get; set; } = 1;

    /// <summary>The answer to DetermineCachedTag.</summary>
    public string CachedTag { get; set; } = string.Empty;

    /// <summary>Registration fails with this status when set.</summary>
    public Status? RegistrationFailure { get; set; }

    /// <summary>Invoked on every phase the job enters (for tests that act mid-build).</summary>
    public Action<Phase>? OnPhase { get; set; }

    // ---- records ----

    public int Heartbeats;
    public int LogStreamsOpened;
    public int Pings;

    public IReadOnlyList<RecordedPhase> Phases { get { lock (_gate) { return [.. _phases]; } } }

    public IReadOnlyList<RecordedLogLine> LogLines { get { lock (_gate) { return [.. _log]; } } }

    /// <summary>Protocol rules the worker broke (each would lose a line or fail a call on the real server).</summary>
    public IReadOnlyList<string> Violations { get { lock (_gate) { return [.. _violations]; } } }

    public IReadOnlyList<CachedTagRequest> CachedTagRequests => [.. _cachedTagRequests];

    private readonly ConcurrentQueue<CachedTagRequest> _cachedTagRequests = new();

    public Phase CurrentPhase { get { lock (_gate) { return _phase; } } }

    public IReadOnlyList<Phase> PhaseSequence => [.. Phases.Select(p => p.Phase)];

    public string LogText => string.Concat(LogLines.Select(l => l.Text));

    // ---- the contract ----

    public override Task<PingReply> Ping(PingRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref Pings);
        return Task.FromResult(new PingReply { Reply = "pong" });
    }

    public override Task<BuildPack> RegisterBuildJob(BuildJobArgs request, ServerCallContext context)
    {
        if (RegistrationFailure is { } failure)
        {
            throw new RpcException(failure);
        }

        if (request.RegisterJwt != RegistrationToken)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "Invalid build token: Signature verification failed"));
        }

        lock (_gate)
        {
            _registered = true;
        }

        return Task.FromResult(Pack.Clone());
    }

    public override async Task Heartbeat(IAsyncStreamReader<HeartbeatRequest> requestStream, IServerStreamWriter<HeartbeatResponse> responseStream, ServerCallContext context)
    {
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            CheckToken(request.JobJwt);
            Interlocked.Increment(ref Heartbeats);
            bool alive;
            lock (_gate)
            {
                alive = !IsFinal(_phase);
            }

            await responseStream.WriteAsync(new HeartbeatResponse { Reply = alive && HeartbeatReply() });
        }
    }

    public override Task<SetPhaseResponse> SetPhase(SetPhaseRequest request, ServerCallContext context)
    {
        CheckToken(request.JobJwt);
        lock (_gate)
        {
            if (SetPhaseUnavailable > 0)
            {
                SetPhaseUnavailable--;
                throw new RpcException(new Status(StatusCode.Unavailable, "injected: manager unavailable"));
            }

            if (!Enum.IsDefined(request.Phase))
            {
                _violations.Add($"SetPhase with phase value {(int)request.Phase} outside the enum");
                throw new RpcException(new Status(StatusCode.Unknown, "Exception calling application: invalid phase"));
            }

            if (IsFinal(_phase))
            {
                return Task.FromResult(new SetPhaseResponse { Success = false, SequenceNumber = request.SequenceNumber });
            }

            if (request.Phase != _phase)
            {
                _phase = request.Phase;
                _phases.Add(new RecordedPhase(request.Phase, request.SequenceNumber, request.PullMetadata));
            }
        }

        OnPhase?.Invoke(request.Phase);
        return Task.FromResult(new SetPhaseResponse { Success = true, SequenceNumber = request.SequenceNumber });
    }

    public override async Task LogMessage(IAsyncStreamReader<LogMessageRequest> requestStream, IServerStreamWriter<LogMessageResponse> responseStream, ServerCallContext context)
    {
        Interlocked.Increment(ref LogStreamsOpened);

        // LogLatency models the round trip: each answer leaves LogLatency after its request
        // arrived, while later requests keep being read (the real server answers in order).
        var answers = System.Threading.Channels.Channel.CreateUnbounded<(LogMessageResponse Answer, DateTime Due)>();
        var writer = Task.Run(async () =>
        {
            await foreach (var (answer, due) in answers.Reader.ReadAllAsync())
            {
                var wait = due - DateTime.UtcNow;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                await responseStream.WriteAsync(answer);
            }
        });

        void Answer(bool success, int sequence) =>
            answers.Writer.TryWrite((new LogMessageResponse { Success = success, SequenceNumber = sequence }, DateTime.UtcNow + LogLatency));

        try
        {
            int last = 0;
            int onThisStream = 0;
            long streamBytes = 0;
            await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
            {
                CheckToken(request.JobJwt);
                Interlocked.Increment(ref Heartbeats);
                OnLogRequest(request, ref streamBytes);
                if (BreakLogStreamAfter > 0 && ++onThisStream > BreakLogStreamAfter && LogStreamBreaks > 0)
                {
                    LogStreamBreaks--;
                    throw new RpcException(new Status(StatusCode.Unavailable, "injected: log stream broken"));
                }

                if (request.SequenceNumber <= last)
                {
                    lock (_gate)
                    {
                        _violations.Add($"log sequence {request.SequenceNumber} not above {last}: line dropped");
                    }

                    Answer(false, 0);
                    continue;
                }

                last = request.SequenceNumber;
                JsonDocument document;
                try
                {
                    document = JsonDocument.Parse(request.LogMessage);
                }
                catch (JsonException)
                {
                    lock (_gate)
                    {
                        _violations.Add($"log line {request.SequenceNumber} is not JSON: dropped");
                    }

                    Answer(false, request.SequenceNumber);
                    continue;
                }

                using (document)
                {
                    if (document.RootElement.ValueKind != JsonValueKind.Object)
                    {
                        lock (_gate)
                        {
                            _violations.Add($"log line {request.SequenceNumber} is a JSON {document.RootElement.ValueKind}, not an object");
                        }

                        throw new RpcException(new Status(StatusCode.Unknown, "Exception iterating requests!"));
                    }

                    var (key, text) = ExtractText(document.RootElement);
                    lock (_gate)
                    {
                        _log.Add(new RecordedLogLine(request.SequenceNumber, request.LogMessage, text, key, IsCommand(text), request.Phase));
                    }
                }

                Answer(true, request.SequenceNumber);
            }

            OnLogStreamCompleted();
        }
        finally
        {
            answers.Writer.Complete();
            await writer;
        }
    }

    public override Task<CachedTag> DetermineCachedTag(CachedTagRequest request, ServerCallContext context)
    {
        CheckToken(request.JobJwt);
        _cachedTagRequests.Enqueue(request);
        return Task.FromResult(new CachedTag { CachedTag_ = CachedTag });
    }

    // Quay's manager: the text of the first present key of error, status, stream.
    private static (string Key, string Text) ExtractText(JsonElement line)
    {
        foreach (var key in new[] { "error", "status", "stream" })
        {
            if (line.TryGetProperty(key, out var value))
            {
                return (key, value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText());
            }
        }

        return (string.Empty, string.Empty);
    }

    internal static bool IsCommand(string text) => DockerStep().IsMatch(text);

    private static bool IsFinal(Phase phase) => phase is Phase.Complete or Phase.Error;

    private void CheckToken(string jobJwt)
    {
        bool registered;
        lock (_gate)
        {
            registered = _registered;
        }

        if (!registered || jobJwt != JobToken)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "Invalid build token: Signature verification failed"));
        }
    }

    [GeneratedRegex(@"Step ([0-9]+)/([0-9]+) :|Step ([0-9]+) :")]
    private static partial Regex DockerStep();
}
