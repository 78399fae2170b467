using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly;
using QuayBuilder.Build;
using QuayBuilder.Logging;
using QuayBuilder.Protocol;

namespace QuayBuilder.Manager;

/// <summary>
/// The unary side of the manager contract: Ping, RegisterBuildJob, SetPhase and
/// DetermineCachedTag, with the job token once registered. Transient transport failures
/// (UNAVAILABLE, a deadline) are retried with backoff for a bounded time; every other answer is
/// turned into a <see cref="BuildFailure"/> by <see cref="ManagerCallFailure"/>, so no
/// RpcException ever leaves this class.
/// </summary>
internal sealed partial class ManagerSession
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(15);

    private readonly BuildManager.BuildManagerClient _client;
    private readonly SecretMasker _masker;
    private readonly ILogger _logger;
    private readonly string _server;
    private readonly TimeSpan _retryFor;
    private readonly Lazy<ResiliencePipeline> _retries;
    private int _phaseSequence;

    public ManagerSession(BuildManager.BuildManagerClient client, string server, TimeSpan retryFor, SecretMasker masker, ILogger logger)
    {
        _client = client;
        _server = server;
        _retryFor = retryFor;
        _masker = masker;
        _logger = logger;
        _retries = new(() => Backoff.ManagerCalls(
            retryFor,
            IsRetryable,
            (method, attempt, failure, delay) => LogRetrying(_logger, method, attempt, ((RpcException)failure).StatusCode, delay.TotalMilliseconds)));
    }

    public BuildManager.BuildManagerClient Client => _client;

    /// <summary>Which CAs the TLS connection trusts, for the error when the handshake fails; null for plaintext.</summary>
    public string? TlsHint { get; init; }

    /// <summary>The job JWT; empty until <see cref="RegisterAsync"/> succeeded.</summary>
    public string JobToken { get; private set; } = string.Empty;

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        var reply = await RetryTransientAsync("Ping", ct => _client.PingAsync(new PingRequest(), deadline: Deadline(), cancellationToken: ct).ResponseAsync, FailureKind.Registration, cancellationToken).ConfigureAwait(false);
        LogPinged(_logger, _server, reply.Reply);
    }

    public async Task<BuildJobSpec> RegisterAsync(string registrationToken, CancellationToken cancellationToken)
    {
        var pack = await RetryTransientAsync(
            "RegisterBuildJob",
            ct => _client.RegisterBuildJobAsync(new BuildJobArgs { RegisterJwt = registrationToken }, deadline: Deadline(), cancellationToken: ct).ResponseAsync,
            FailureKind.Registration,
            cancellationToken).ConfigureAwait(false);

        JobToken = pack.JobJwt;
        _masker.Add(pack.JobJwt);
        var spec = BuildPackMapper.ToSpec(pack);
        foreach (var secret in spec.Secrets())
        {
            _masker.Add(secret);
        }

        return spec;
    }

    /// <summary>
    /// Sets the job's phase. Returns false when the manager answered <c>success = false</c>: the
    /// job is already final or gone. The sequence number increases with every new phase request.
    /// </summary>
    public async Task<bool> SetPhaseAsync(BuildPhase phase, PullMetadata? pullMetadata, CancellationToken cancellationToken)
    {
        var request = new SetPhaseRequest
        {
            JobJwt = JobToken,
            SequenceNumber = Interlocked.Increment(ref _phaseSequence),
            Phase = ToWire(phase),
        };
        if (pullMetadata is not null)
        {
            request.PullMetadata = new SetPhaseRequest.Types.PullMetadata
            {
                RegistryUrl = pullMetadata.RegistryUrl,
                BaseImage = pullMetadata.BaseImage,
                BaseImageTag = pullMetadata.BaseImageTag,
                PullUsername = pullMetadata.PullUsername,
            };
        }

        var response = await RetryTransientAsync(
            "SetPhase",
            ct => _client.SetPhaseAsync(request, deadline: Deadline(), cancellationToken: ct).ResponseAsync,
            FailureKind.JobGone,
            cancellationToken).ConfigureAwait(false);
        if (response.Success && response.SequenceNumber != request.SequenceNumber)
        {
            LogSequenceMismatch(_logger, request.SequenceNumber, response.SequenceNumber);
        }

        return response.Success;
    }

    public async Task<string?> DetermineCachedTagAsync(string baseImageName, string baseImageTag, string baseImageId, CancellationToken cancellationToken)
    {
        var reply = await RetryTransientAsync(
            "DetermineCachedTag",
            ct => _client.DetermineCachedTagAsync(
                new CachedTagRequest { JobJwt = JobToken, BaseImageName = baseImageName, BaseImageTag = baseImageTag, BaseImageId = baseImageId },
                deadline: Deadline(),
                cancellationToken: ct).ResponseAsync,
            FailureKind.JobGone,
            cancellationToken).ConfigureAwait(false);
        return string.IsNullOrEmpty(reply.CachedTag_) ? null : reply.CachedTag_;
    }

    internal static bool IsTransient(RpcException e) =>
        e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted or StatusCode.Aborted
        || (e.StatusCode == StatusCode.Internal && e.InnerException is HttpRequestException or IOException);

    private static System.Security.Authentication.AuthenticationException? FindTlsFailure(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is System.Security.Authentication.AuthenticationException tls)
            {
                return tls;
            }
        }

        return null;
    }

    private static DateTime Deadline() => DateTime.UtcNow + CallTimeout;

    /// <summary>
    /// Runs one call. Transient statuses are retried on <see cref="Backoff.ManagerCall"/> for the
    /// retry window; every other answer becomes a <see cref="BuildFailure"/> through
    /// <see cref="ManagerCallFailure"/>; our own cancellation stays an
    /// <see cref="OperationCanceledException"/>. Nothing else leaves.
    /// </summary>
    private async Task<T> RetryTransientAsync<T>(string method, Func<CancellationToken, Task<T>> call, FailureKind kind, CancellationToken cancellationToken)
    {
        try
        {
            return await Backoff.ExecuteAsync(() => _retries.Value, method, call, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException($"{method} was cancelled.", e, cancellationToken);
        }
        catch (RpcException e) when (FindTlsFailure(e) is { } tls)
        {
            throw new BuildFailure(kind,
                $"The TLS handshake with the build manager at {_server} failed ({tls.Message}{(tls.InnerException is null ? string.Empty : ": " + tls.InnerException.Message)}). " +
                $"The worker trusts {TlsHint ?? "no CA (plaintext)"}: set TLS_CERT_PATH to the CA certificate that signed the manager's certificate, or INSECURE=true if the manager serves plaintext.", e);
        }
        catch (RpcException e) when (IsTransient(e))
        {
            // Still failing when the next try would start after the window.
            throw ManagerCallFailure.Classify(method, e, _server, _masker, _retryFor);
        }
        catch (RpcException e)
        {
            throw ManagerCallFailure.Classify(method, e, _server, _masker);
        }
    }

    /// <summary>Worth another try: a transient status, and no TLS failure (which fails the same way every time).</summary>
    private static bool IsRetryable(Exception failure) =>
        failure is RpcException e && FindTlsFailure(e) is null && IsTransient(e);

    /// <summary>Quay's wire enum ends at ERROR: there is no INTERNAL_ERROR to send (docs/adr/0007-final-phase.md).</summary>
    private static Phase ToWire(BuildPhase phase) => phase switch
    {
        BuildPhase.Waiting => Phase.Waiting,
        BuildPhase.Unpacking => Phase.Unpacking,
        BuildPhase.Pulling => Phase.Pulling,
        BuildPhase.Building => Phase.Building,
        BuildPhase.Pushing => Phase.Pushing,
        BuildPhase.Complete => Phase.Complete,
        BuildPhase.Error => Phase.Error,
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "not a phase of Quay's wire enum"),
    };

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Build manager {Server} answered ping: {Reply}")]
    private static partial void LogPinged(ILogger logger, string server, string reply);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "{Method} failed (attempt {Attempt}, {Status}); retrying in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, string method, int attempt, StatusCode status, double delayMs);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "SetPhase answered sequence number {Received}, expected {Sent}")]
    private static partial void LogSequenceMismatch(ILogger logger, int sent, int received);
}
