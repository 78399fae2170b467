using Grpc.Core;
using Microsoft.Extensions.Logging;
using QuayBuilder.Build;
using QuayBuilder.Logging;
using QuayBuilder.Protocol;

namespace QuayBuilder.Manager;

/// <summary>
/// The unary side of the manager contract: Ping, RegisterBuildJob, SetPhase and
/// DetermineCachedTag, with the job token once registered. Transient transport failures
/// (UNAVAILABLE, a deadline) are retried with backoff for a bounded time; everything else is
/// turned into a <see cref="BuildFailure"/> that says what to do.
/// </summary>
internal sealed partial class ManagerSession
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(15);

    private readonly BuildManager.BuildManagerClient _client;
    private readonly SecretMasker _masker;
    private readonly ILogger _logger;
    private readonly string _server;
    private readonly TimeSpan _retryFor;
    private int _phaseSequence;

    public ManagerSession(BuildManager.BuildManagerClient client, string server, TimeSpan retryFor, SecretMasker masker, ILogger logger)
    {
        _client = client;
        _server = server;
        _retryFor = retryFor;
        _masker = masker;
        _logger = logger;
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
        BuildPack pack;
        try
        {
            pack = await RetryTransientAsync(
                "RegisterBuildJob",
                ct => _client.RegisterBuildJobAsync(new BuildJobArgs { RegisterJwt = registrationToken }, deadline: Deadline(), cancellationToken: ct).ResponseAsync,
                FailureKind.Registration,
                cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unauthenticated)
        {
            throw new BuildFailure(FailureKind.Registration,
                $"The build manager at {_server} refused the registration token ({_masker.Apply(e.Status.Detail)}). " +
                "The token is valid only JOB_REGISTRATION_TIMEOUT seconds after the build was queued: start the worker sooner, " +
                "or raise JOB_REGISTRATION_TIMEOUT in Quay's build manager configuration, and check that TOKEN is the one Quay issued for this build.", e);
        }
        catch (RpcException e)
        {
            throw new BuildFailure(FailureKind.Registration,
                $"The build manager at {_server} could not start the job ({e.StatusCode}: {_masker.Apply(e.Status.Detail)}): the build will be retried by Quay; see the build manager's log.", e);
        }

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
            FailureKind.Infrastructure,
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

    private async Task<T> RetryTransientAsync<T>(string method, Func<CancellationToken, Task<T>> call, FailureKind kind, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        var delay = TimeSpan.FromMilliseconds(250);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await call(cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (FindTlsFailure(e) is { } tls)
            {
                throw new BuildFailure(kind,
                    $"The TLS handshake with the build manager at {_server} failed ({tls.Message}{(tls.InnerException is null ? string.Empty : ": " + tls.InnerException.Message)}). " +
                    $"The worker trusts {TlsHint ?? "no CA (plaintext)"}: set TLS_CERT_PATH to the CA certificate that signed the manager's certificate, or INSECURE=true if the manager serves plaintext.", e);
            }
            catch (RpcException e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                if (DateTime.UtcNow - started + delay > _retryFor)
                {
                    throw new BuildFailure(kind,
                        $"The build manager at {_server} did not answer {method} for {_retryFor.TotalSeconds:0} s ({e.StatusCode}: {_masker.Apply(e.Status.Detail)}): " +
                        "check that SERVER names the manager's gRPC port, that INSECURE matches its TLS setting, and that the network allows the connection.", e);
                }

                LogRetrying(_logger, method, attempt, e.StatusCode, delay.TotalMilliseconds);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
            }
        }
    }

    private static Phase ToWire(BuildPhase phase) => phase switch
    {
        BuildPhase.Waiting => Phase.Waiting,
        BuildPhase.Unpacking => Phase.Unpacking,
        BuildPhase.Pulling => Phase.Pulling,
        BuildPhase.Building => Phase.Building,
        BuildPhase.Pushing => Phase.Pushing,
        BuildPhase.Complete => Phase.Complete,
        _ => Phase.Error,
    };

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Build manager {Server} answered ping: {Reply}")]
    private static partial void LogPinged(ILogger logger, string server, string reply);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "{Method} failed (attempt {Attempt}, {Status}); retrying in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, string method, int attempt, StatusCode status, double delayMs);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "SetPhase answered sequence number {Received}, expected {Sent}")]
    private static partial void LogSequenceMismatch(ILogger logger, int sent, int received);
}
