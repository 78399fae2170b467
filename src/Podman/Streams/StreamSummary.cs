using System.Text.RegularExpressions;

namespace QuayBuilder.Podman;

/// <summary>What a streamed answer told us besides its text: the image id and pushed digest.</summary>
internal sealed partial class StreamSummary
{
    /// <summary>Explicit id: aux.ID of a build, or the id of libpod's final pull line.</summary>
    internal string? ImageId { get; private set; }

    /// <summary>The last stream line that is a bare 64-hex id (libpod build's final line).</summary>
    internal string? LastBareId { get; private set; }

    /// <summary>Docker push: the digest from aux or the final status line.</summary>
    internal string? Digest { get; private set; }

    internal void Observe(StreamLine line)
    {
        if (line.Aux?.Id is { Length: > 0 } auxId)
        {
            ImageId = auxId;
        }

        if (line.Images is { Count: > 0 } && line.Id is { Length: > 0 } pulledId)
        {
            ImageId = pulledId;
        }

        if (line.Aux?.Digest is { Length: > 0 } digest)
        {
            Digest = digest;
        }

        // Docker's (and Podman's compatible) push ends with "TAG: digest: sha256:… size: N";
        // Podman 4.3 sends no aux with it.
        if (Digest is null && line.Status is { } status && PushedDigest().Match(status) is { Success: true } pushed)
        {
            Digest = pushed.Groups[1].Value;
        }

        if (line.Stream is { } text && BareId().IsMatch(text))
        {
            LastBareId = text.Trim();
        }
    }

    [GeneratedRegex(@": digest: (sha256:[0-9a-f]{64}) size: [0-9]+")]
    private static partial Regex PushedDigest();

    [GeneratedRegex(@"^\s*(sha256:)?[0-9a-f]{64}\s*$")]
    private static partial Regex BareId();
}
