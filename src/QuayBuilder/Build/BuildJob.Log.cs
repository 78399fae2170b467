using Microsoft.Extensions.Logging;

namespace QuayBuilder.Build;

/// <summary>The journal lines of a build (the build log itself goes to the reporter).</summary>
internal sealed partial class BuildJob
{
    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Phase: {Phase}")]
    private static partial void LogPhase(ILogger logger, BuildPhase phase);

    [LoggerMessage(EventId = 41, Level = LogLevel.Information, Message = "Build complete: image {ImageId} pushed as {References}")]
    private static partial void LogCompleted(ILogger logger, string imageId, string references);

    [LoggerMessage(EventId = 42, Level = LogLevel.Error, Message = "Build failed ({Kind}): {Reason}")]
    private static partial void LogFailed(ILogger logger, FailureKind kind, string reason);

    [LoggerMessage(EventId = 43, Level = LogLevel.Warning, Message = "Could not set the final phase {Phase}: {Reason}")]
    private static partial void LogFinalPhaseNotSet(ILogger logger, BuildPhase phase, string reason);

    [LoggerMessage(EventId = 44, Level = LogLevel.Warning, Message = "Cleanup of {What} failed: {Reason}")]
    private static partial void LogCleanupFailed(ILogger logger, string what, string reason);

    [LoggerMessage(EventId = 45, Level = LogLevel.Information, Message = "DEBUG: keeping work directory {Directory} and image {ImageId}")]
    private static partial void LogKept(ILogger logger, string directory, string imageId);

    [LoggerMessage(EventId = 46, Level = LogLevel.Warning, Message = "{Line}")]
    private static partial void LogWarning(ILogger logger, string line);

    [LoggerMessage(EventId = 47, Level = LogLevel.Information, Message = "Context sent to the runtime: {Files} files, {Bytes} bytes, {Excluded} entries excluded by the ignore file")]
    private static partial void LogContextSent(ILogger logger, long files, long bytes, long excluded);

    [LoggerMessage(EventId = 48, Level = LogLevel.Debug, Message = "Image {Image} is in use (by another build or a container) and stays")]
    private static partial void LogImageInUse(ILogger logger, string image);

    [LoggerMessage(EventId = 49, Level = LogLevel.Warning, Message = "Not every log line was answered within {Seconds:0} s; going on")]
    private static partial void LogFlushTimedOut(ILogger logger, double seconds);

    [LoggerMessage(EventId = 52, Level = LogLevel.Warning, Message = "No final phase sent ({Kind}): the job is left to expire, and Quay requeues it if it still exists")]
    private static partial void LogNoFinalPhase(ILogger logger, FailureKind kind);

    [LoggerMessage(EventId = 53, Level = LogLevel.Error, Message = "Unexpected failure")]
    private static partial void LogUnexpected(ILogger logger, Exception cause);
}
