using QuayBuilder.Build;
using QuayBuilder.Logging;

namespace QuayBuilder.Local;

/// <summary>
/// The build manager's stand-in in local mode: it receives exactly what a manager would (the
/// same phases, the same log lines, the same DetermineCachedTag question) and renders it for
/// a person — or, with <c>--json</c>, prints the log messages exactly as a manager would receive
/// them and nothing else. Every text passes the <see cref="SecretMasker"/> first.
/// </summary>
/// <remarks>
/// Thread-safe: the job writes from the runtime's stream readers and from progress callbacks.
/// In rich mode at most one progress line is "live" (redrawn in place, no newline yet); any
/// other output first finishes it, so lines never interleave.
/// </remarks>
internal sealed class LocalReporter : IBuildReporter
{
    private readonly TextWriter _out;
    private readonly TextWriter _error;
    private readonly LocalRenderMode _mode;
    private readonly TerminalStyle _style;
    private readonly TerminalStyle _errorStyle;
    private readonly SecretMasker _masker;
    private readonly string? _cachedTag;
    private readonly Func<int> _width;
    private readonly Lock _gate = new();
    private TransferProgress? _live;
    private string? _lastError;

    /// <param name="output">Where the build is shown (stdout).</param>
    /// <param name="error">Where the final error goes (stderr).</param>
    /// <param name="errorStyled">Whether <paramref name="error"/> is a terminal that gets colours.</param>
    /// <param name="cachedTag">What DetermineCachedTag answers (<c>--cached-tag</c>), or null.</param>
    /// <param name="width">The terminal's width in columns, asked for at each redraw.</param>
    public LocalReporter(TextWriter output, TextWriter error, LocalRenderMode mode, bool errorStyled, SecretMasker masker, string? cachedTag, Func<int> width)
    {
        _out = output;
        _error = error;
        _mode = mode;
        _style = new TerminalStyle(mode == LocalRenderMode.Rich);
        _errorStyle = new TerminalStyle(errorStyled && mode != LocalRenderMode.Json);
        _masker = masker;
        _cachedTag = cachedTag;
        _width = width;
    }

    /// <summary>The text of the job's <c>error</c> line (masked), once it sent one.</summary>
    public string? LastError
    {
        get
        {
            lock (_gate)
            {
                return _lastError;
            }
        }
    }

    public Task SetPhaseAsync(BuildPhase phase, PullMetadata? pullMetadata, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_mode == LocalRenderMode.Json || phase is BuildPhase.Complete or BuildPhase.Error)
            {
                // Complete and Error are told by the summary or the error at the very end.
                return Task.CompletedTask;
            }

            FinishLiveLine();
            var detail = phase switch
            {
                BuildPhase.Unpacking => "the build source",
                BuildPhase.Pulling when pullMetadata is { BaseImage: "scratch" } => "nothing: the base image is scratch",
                BuildPhase.Pulling when pullMetadata is not null => "the base image " + pullMetadata.BaseImage + (pullMetadata.BaseImageTag.Length > 0 ? ":" + pullMetadata.BaseImageTag : string.Empty),
                BuildPhase.Building => "the image",
                BuildPhase.Pushing => "the tags",
                _ => string.Empty,
            };
            _out.WriteLine();
            _out.WriteLine(_style.Heading("==> " + phase) + (detail.Length > 0 ? " " + _style.Dim(_masker.Apply(detail)) : string.Empty));
        }

        return Task.CompletedTask;
    }

    public void Write(BuildLogMessage message)
    {
        var masked = message.WithText(_masker.Apply(message.Text));
        lock (_gate)
        {
            if (masked.Kind == LogMessageKind.Error)
            {
                _lastError = masked.Text;
            }

            switch (_mode)
            {
                case LocalRenderMode.Json:
                    _out.WriteLine(masked.ToJson());
                    break;
                case LocalRenderMode.Plain:
                    WritePlain(masked);
                    break;
                default:
                    WriteRich(masked);
                    break;
            }
        }
    }

    public Task<string?> DetermineCachedTagAsync(string baseImageName, string baseImageTag, string baseImageId, CancellationToken cancellationToken) =>
        Task.FromResult(_cachedTag);

    public Task<bool> FlushAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            FinishLiveLine();
            _out.Flush();
        }

        return Task.FromResult(true);
    }

    /// <summary>
    /// The summary after COMPLETE: image id, tags and, for pushed tags, the digests the registry
    /// serves. Nothing in JSON mode (stdout holds only log messages).
    /// </summary>
    /// <param name="pushed">Each pushed tag with its digest; null when nothing was pushed.</param>
    public void RenderCompleted(BuildResult result, BuildJobSpec spec, IReadOnlyList<PushedTag>? pushed)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(spec);
        if (_mode == LocalRenderMode.Json)
        {
            return;
        }

        lock (_gate)
        {
            FinishLiveLine();
            _out.WriteLine();
            _out.WriteLine(_style.Success(pushed is null ? "Build complete (not pushed; add --push to push)" : "Build complete: pushed"));
            _out.WriteLine($"  Image ID: {result.ImageId}");
            foreach (var tag in spec.Tags)
            {
                _out.WriteLine($"  Tag:      {_masker.Apply(spec.ImageRepository)}:{tag}");
            }

            foreach (var digest in (pushed ?? []).Where(p => p.Digest is not null).Select(p => p.Digest).Distinct(StringComparer.Ordinal))
            {
                _out.WriteLine($"  Digest:   {_style.Bold(_masker.Apply(spec.ImageRepository + "@" + digest))}");
            }

            foreach (var unknown in (pushed ?? []).Where(p => p.Digest is null))
            {
                _out.WriteLine(_style.Warning(_masker.Apply($"  Digest:   unknown for {unknown.Reference}: {unknown.Problem}")));
            }

            _out.Flush();
        }
    }

    /// <summary>The failure, last, in red on a terminal, with what to do about it; on stderr so --json's stdout stays clean.</summary>
    public void RenderFailure(string message, string? whatToDo)
    {
        lock (_gate)
        {
            FinishLiveLine();
            _out.Flush();
            var text = _masker.Apply(message);
            _error.WriteLine();
            _error.WriteLine(_errorStyle.Error("Build failed: " + text));
            if (!string.IsNullOrEmpty(whatToDo))
            {
                _error.WriteLine(_errorStyle.Error(whatToDo));
            }

            _error.Flush();
        }
    }

    private void WritePlain(BuildLogMessage message)
    {
        if (message.Kind == LogMessageKind.Error)
        {
            // Shown once, at the end, with what to do.
            return;
        }

        if (message.Kind == LogMessageKind.Status)
        {
            var detail = message.Current is { } current ? $" ({current}{(message.Total is { } total ? "/" + total : string.Empty)})" : string.Empty;
            _out.WriteLine((message.Id is null ? string.Empty : message.Id + ": ") + message.Text + detail);
            return;
        }

        _out.WriteLine(message.ToString());
    }

    private void WriteRich(BuildLogMessage message)
    {
        if (message.Kind == LogMessageKind.Error)
        {
            return;
        }

        if (message.Kind == LogMessageKind.Status)
        {
            if (_live is not null && !_live.Continues(message))
            {
                FinishLiveLine();
            }

            _live ??= new TransferProgress();
            _live.Update(message);
            _out.Write(_style.ClearLine + _live.Render(Math.Max(20, _width())));
            return;
        }

        FinishLiveLine();
        var text = message.ToString();
        if (IsStepHeader(text))
        {
            _out.WriteLine(_style.Step(text));
        }
        else if (text.StartsWith("Warning: ", StringComparison.Ordinal))
        {
            _out.WriteLine(_style.Warning(text));
        }
        else
        {
            _out.WriteLine(text);
        }
    }

    private void FinishLiveLine()
    {
        if (_live is null)
        {
            return;
        }

        _out.Write(_style.ClearLine + _live.Render(Math.Max(20, _width())));
        _out.WriteLine();
        _live = null;
    }

    /// <summary>"Step 3/7 : RUN make" — the header Quay records as a command.</summary>
    internal static bool IsStepHeader(string text)
    {
        if (!text.StartsWith("Step ", StringComparison.Ordinal))
        {
            return false;
        }

        var colon = text.IndexOf(" : ", StringComparison.Ordinal);
        if (colon < 0)
        {
            return false;
        }

        var numbers = text.AsSpan(5, colon - 5);
        var slash = numbers.IndexOf('/');
        return slash > 0 && AllDigits(numbers[..slash]) && AllDigits(numbers[(slash + 1)..]);
    }

    private static bool AllDigits(ReadOnlySpan<char> span) => !span.IsEmpty && !span.ContainsAnyExceptInRange('0', '9');
}
