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
/// <remarks>
/// As Quay's own servicer: phase markers and log lines are filed in one list in arrival order
/// (<see cref="Events"/>); the final SetPhase (COMPLETE / ERROR) stops the executor before it
/// answers (<see cref="StopExecutor"/>); a phase outside the enum fails the call with UNKNOWN
/// (the servicer's dict lookup raises); any call can be made to answer any status
/// (<see cref="InjectFault"/>).
/// </remarks>
public sealed partial class FakeBuildManager : BuildManager.BuildManagerBase
{
    private readonly Lock _gate = new();
    private readonly List<RecordedPhase> _phases = [];
    private readonly List<RecordedLogLine> _log = [];
    private readonly List<string> _violations = [];
    private readonly List<RecordedEvent> _events = [];
    private readonly List<InjectedFault> _faults = [];
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

    /// <summary>
    /// Called inside SetPhase(COMPLETE / ERROR) before it answers, as Quay's <c>on_job_complete</c>
    /// stops the executor there (Popen kills the worker, Kubernetes deletes its job).
    /// </summary>
    public Func<Phase, Task>? StopExecutor { get; set; }

    /// <summary>Invoked on every phase the job enters (for tests that act mid-build).</summary>
    public Action<Phase>? OnPhase { get; set; }

    // ---- records ----

    public int Heartbeats;
    public int LogStreamsOpened;
    public int Pings;

    public IReadOnlyList<RecordedPhase> Phases { get { lock (_gate) { return [.. _phases]; } } }

    public IReadOnlyList<RecordedLogLine> LogLines { get { lock (_gate) { return [.. _log]; } } }

    /// <summary>Phase markers and lines in the one list Quay files them in, in arrival order.</summary>
    public IReadOnlyList<RecordedEvent> Events { get { lock (_gate) { return [.. _events]; } } }

    /// <summary>
    /// Makes <paramref name="method"/> (<c>Ping</c>, <c>RegisterBuildJob</c>, <c>SetPhase</c>,
    /// <c>DetermineCachedTag</c>, <c>Heartbeat</c>, <c>LogMessage</c>) answer
    /// <paramref name="code"/>: for SetPhase only when it asks for <paramref name="phase"/>, for
    /// the others only while the job is in it (null: always). A stream ends with the status.
    /// </summary>
    public InjectedFault InjectFault(string method, StatusCode code, Phase? phase = null, int times = int.MaxValue, string detail = "injected fault")
    {
        var fault = new InjectedFault(method, code, detail, phase, times);
        lock (_gate)
        {
            _faults.Add(fault);
        }

        return fault;
    }

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
        ThrowIfFaulted("Ping", null);
        return Task.FromResult(new PingReply { Reply = "pong" });
    }

    public override Task<BuildPack> RegisterBuildJob(BuildJobArgs request, ServerCallContext context)
    {
        ThrowIfFaulted("RegisterBuildJob", null);
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
            ThrowIfFaulted("Heartbeat", null);
            Interlocked.Increment(ref Heartbeats);
            bool alive;
            lock (_gate)
            {
                alive = !IsFinal(_phase);
            }

            await responseStream.WriteAsync(new HeartbeatResponse { Reply = alive && HeartbeatReply() });
        }
    }

    public override async Task<SetPhaseResponse> SetPhase(SetPhaseRequest request, ServerCallContext context)
    {
        CheckToken(request.JobJwt);
        ThrowIfFaulted("SetPhase", request.Phase);
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
                return new SetPhaseResponse { Success = false, SequenceNumber = request.SequenceNumber };
            }

            if (request.Phase != _phase)
            {
                _phase = request.Phase;
                _phases.Add(new RecordedPhase(request.Phase, request.SequenceNumber, request.PullMetadata));
                _events.Add(new RecordedEvent(request.Phase, null));
            }
        }

        OnPhase?.Invoke(request.Phase);
        if (IsFinal(request.Phase) && StopExecutor is { } stop)
        {
            await stop(request.Phase);
        }

        return new SetPhaseResponse { Success = true, SequenceNumber = request.SequenceNumber };
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
                ThrowIfFaulted("LogMessage", null);
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
                        var line = new RecordedLogLine(request.SequenceNumber, request.LogMessage, text, key, IsCommand(text), request.Phase);
                        _log.Add(line);
                        _events.Add(new RecordedEvent(null, line));
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
        ThrowIfFaulted("DetermineCachedTag", null);
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

    /// <summary>Throws the first matching injected fault that has answers left.</summary>
    private void ThrowIfFaulted(string method, Phase? requested)
    {
        InjectedFault? hit = null;
        lock (_gate)
        {
            var phase = requested ?? _phase;
            hit = _faults.FirstOrDefault(f => f.Method == method && f.Times > 0 && (f.Phase is null || f.Phase == phase));
            if (hit is not null)
            {
                hit.Times--;
                hit.Hits++;
            }
        }

        if (hit is not null)
        {
            throw new RpcException(new Status(hit.Code, hit.Detail));
        }
    }

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
