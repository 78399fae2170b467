using QuayBuilder.Podman;

namespace QuayBuilder.Build;

internal sealed partial class BuildJob
{
    private async Task<BuildResult> FinishAsync(IContainerRuntime? runtime, BuildArtifacts made, BuildResult? result, BuildFailure? failure)
    {
        if (failure is not null)
        {
            ReportFailure(failure);
        }

        await CleanupAsync(runtime, made).ConfigureAwait(false);

        // A job the manager gave up may never answer its lines: do not wait long for them.
        var flushFor = failure?.Kind == FailureKind.JobGone ? _options.PhaseFlushTimeout / 4 : _options.PhaseFlushTimeout;
        await FlushBoundedAsync(flushFor, CancellationToken.None).ConfigureAwait(false);

        var finalPhase = failure is null ? BuildPhase.Complete : FailureOutcome.For(failure.Kind).FinalPhase;
        if (failure is null && result is not null)
        {
            LogCompleted(_logger, result.ImageId, string.Join(", ", result.PushedReferences));
        }

        if (finalPhase is { } phase)
        {
            // The last act: Quay's manager stops the worker inside this call. Not cancelled by
            // SIGTERM — a stop now changes nothing the call would not finish.
            LogPhase(_logger, phase);
            if (failure is null)
            {
                // On failure `systemctl status` keeps showing the reason ("error: …").
                _notifier.Status(phase.ToString().ToLowerInvariant());
            }

            try
            {
                using var timeout = new CancellationTokenSource(_options.FinalPhaseTimeout);
                await _reporter.SetPhaseAsync(phase, null, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is BuildFailure or OperationCanceledException)
            {
                LogFinalPhaseNotSet(_logger, phase, e.Message);
                failure ??= e as BuildFailure ?? new BuildFailure(FailureKind.JobGone,
                    $"The build manager did not answer the {phase.ToString().ToUpperInvariant()} phase in time: the job will expire and Quay will requeue it.", e);
            }
        }
        else if (failure is not null)
        {
            LogNoFinalPhase(_logger, failure.Kind);
        }

        if (failure is null && result is not null)
        {
            return result;
        }

        throw failure ?? new BuildFailure(FailureKind.Internal, "The build ended without a result: this is a defect of the worker.");
    }

    private void ReportFailure(BuildFailure failure)
    {
        LogFailed(_logger, failure.Kind, failure.Message);
        _notifier.Status($"error: {failure.Message}");
        _reporter.Write(BuildLogMessage.Error(_options.ManagerRequeues ? failure.Message + FailureClassifier.RequeueNotice(failure.Kind) : failure.Message));
    }

    /// <summary>Removes what this build made or pulled, never by force; an image still in use stays.</summary>
    private async Task CleanupAsync(IContainerRuntime? runtime, BuildArtifacts made)
    {
        if (_options.KeepArtifacts)
        {
            LogKept(_logger, made.WorkDirectory ?? "(none)", made.BuiltImageId ?? "(none)");
            return;
        }

        if (runtime is not null)
        {
            using var timeout = new CancellationTokenSource(_options.CleanupTimeout);
            var images = new List<string>();
            if (!_options.KeepBuiltImage)
            {
                // Names first (each removal drops one name; the last one drops the image), then
                // the layer images, newest first: an image with children cannot go before them.
                images.AddRange(made.ImageNames);
                if (made.BuiltImageId is { } built)
                {
                    images.Add(built);
                }

                images.AddRange(made.IntermediateImages.Reverse());
            }

            images.AddRange(made.PulledImages.Reverse());
            foreach (var image in images)
            {
                try
                {
                    if (!await runtime.RemoveImageAsync(image, timeout.Token).ConfigureAwait(false))
                    {
                        LogImageInUse(_logger, image);
                    }
                }
                catch (Exception e) when (e is PodmanException or OperationCanceledException)
                {
                    LogCleanupFailed(_logger, image, e.Message);
                }
            }
        }

        if (made.WorkDirectory is { } directory)
        {
            try
            {
                WorkDirectory.Delete(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogCleanupFailed(_logger, directory, e.Message);
            }
        }
    }
}
