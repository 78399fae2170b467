using Grpc.Core;
using QuayBuilder.Protocol;

namespace QuayBuilder.Tests.Fakes;

/// <summary>
/// A status the fake manager answers instead of the real one: for <see cref="Method"/> (as in
/// the proto), optionally only while the job is in (or, for SetPhase, asks for) <see cref="Phase"/>,
/// at most <see cref="Times"/> times.
/// </summary>
public sealed class InjectedFault(string method, StatusCode code, string detail, Phase? phase, int times)
{
    public string Method { get; } = method;

    public StatusCode Code { get; } = code;

    public string Detail { get; } = detail;

    public Phase? Phase { get; } = phase;

    public int Times { get; set; } = times;

    /// <summary>How often it was answered.</summary>
    public int Hits { get; set; }
}
