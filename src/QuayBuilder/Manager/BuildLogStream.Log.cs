using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace QuayBuilder.Manager;

/// <summary>The log stream's own log messages (event ids 30-37).</summary>
internal sealed partial class BuildLogStream
{
    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Log stream broken ({Error}: {Detail}); reopening")]
    private static partial void LogBroken(ILogger logger, string error, string detail);

    [LoggerMessage(EventId = 31, Level = LogLevel.Information, Message = "Log stream reopened; sent {Count} unanswered lines again")]
    private static partial void LogResent(ILogger logger, int count);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "The build manager rejected log line {Sequence} (answered {Answer})")]
    private static partial void LogRejected(ILogger logger, int sequence, int answer);

    [LoggerMessage(EventId = 33, Level = LogLevel.Warning, Message = "The build manager refused log line {Sequence} ({Bytes} bytes) with {Code}: {Detail}; it is replaced by a notice")]
    private static partial void LogRefused(ILogger logger, int sequence, long bytes, StatusCode code, string detail);

    [LoggerMessage(EventId = 34, Level = LogLevel.Warning, Message = "The build manager ended the log stream with {Code}: {Detail}, with no line unanswered; reopening")]
    private static partial void LogRefusedNothing(ILogger logger, StatusCode code, string detail);

    [LoggerMessage(EventId = 35, Level = LogLevel.Debug, Message = "Log stream closed cleanly because {Reason} ({Bytes} bytes)")]
    private static partial void LogClosed(ILogger logger, string reason, long bytes);

    [LoggerMessage(EventId = 36, Level = LogLevel.Warning, Message = "The build log reached its limit of {MaxBytes} bytes: later output is left out")]
    private static partial void LogCut(ILogger logger, long maxBytes);

    [LoggerMessage(EventId = 37, Level = LogLevel.Warning, Message = "Log flush gave up after {Seconds} s with {Lines} lines unanswered")]
    private static partial void LogFlushGaveUp(ILogger logger, double seconds, long lines);
}
