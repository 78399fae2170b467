using System.Text;
using QuayBuilder.Configuration;

namespace QuayBuilder.Local;

/// <summary>
/// SOURCE, classified. <see cref="Location"/> is an absolute path for local sources (the build
/// and Git's local-path rule need one) and the URL as given otherwise.
/// </summary>
/// <param name="Name">A repository-name-safe name for <c>local/&lt;name&gt;</c>, from the directory, file or URL.</param>
internal sealed record LocalSource(LocalSourceKind Kind, string Location, string Name)
{
    /// <summary>
    /// Decides what SOURCE is. Git wins when asked for (<c>--git</c>, <c>--sha</c>) or when the
    /// text can only be Git (ssh://, git://, file://, scp-like, a <c>.git</c> URL, a bare
    /// repository directory); otherwise an existing directory or file, then an http(s) archive.
    /// </summary>
    public static LocalSource Classify(LocalOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var source = options.Source;
        var scheme = source.IndexOf("://", StringComparison.Ordinal) is var s and > 0 ? source[..s].ToLowerInvariant() : null;
        var looksLikeGit = options.ForceGit || options.Sha is not null || scheme is "ssh" or "git" or "file" || IsScpLike(source, scheme) ||
            (scheme is "http" or "https" && Uri.TryCreate(source, UriKind.Absolute, out var u) && u.AbsolutePath.TrimEnd('/').EndsWith(".git", StringComparison.OrdinalIgnoreCase));

        if (scheme is null && (Directory.Exists(source) || File.Exists(source)))
        {
            var full = Path.GetFullPath(source).TrimEnd('/');
            if (full.Length == 0)
            {
                full = "/";
            }

            if (Directory.Exists(full))
            {
                var isGit = looksLikeGit || IsBareRepository(full);
                return new LocalSource(isGit ? LocalSourceKind.Git : LocalSourceKind.Directory, full, SafeName(Path.GetFileName(full), isGit));
            }

            if (looksLikeGit)
            {
                throw new ConfigurationException($"local: '{source}' is a file, not a Git repository: give the repository's directory or URL with --sha, or drop --git/--sha to build the archive.");
            }

            return new LocalSource(LocalSourceKind.ArchiveFile, full, SafeName(Path.GetFileName(full), git: false));
        }

        if (looksLikeGit)
        {
            if (scheme is null && !IsScpLike(source, scheme))
            {
                throw new ConfigurationException($"local: the Git repository '{source}' does not exist: give an existing directory or a URL (https://, ssh://, git@host:owner/repo.git).");
            }

            return new LocalSource(LocalSourceKind.Git, source, SafeName(LastSegment(source), git: true));
        }

        if (scheme is "http" or "https")
        {
            return new LocalSource(LocalSourceKind.ArchiveUrl, source, SafeName(LastSegment(source), git: false));
        }

        throw new ConfigurationException(scheme is null
            ? $"local: SOURCE '{source}' does not exist: give a directory, an archive file, an http(s) archive URL or a Git URL with --sha."
            : $"local: SOURCE '{source}' uses the scheme '{scheme}', which local mode cannot fetch: use http(s):// for an archive, or ssh://, https://, git:// for Git (with --sha).");
    }

    /// <summary>user@host:path, as git understands it (no scheme, a colon before any slash).</summary>
    private static bool IsScpLike(string source, string? scheme)
    {
        if (scheme is not null || source.StartsWith('/') || source.StartsWith('.'))
        {
            return false;
        }

        var colon = source.IndexOf(':', StringComparison.Ordinal);
        var slash = source.IndexOf('/', StringComparison.Ordinal);
        return colon > 0 && (slash < 0 || colon < slash) && source.Contains('@', StringComparison.Ordinal);
    }

    // A bare repository has these at its top; a work tree has them under .git instead.
    private static bool IsBareRepository(string directory) =>
        File.Exists(Path.Combine(directory, "HEAD")) && Directory.Exists(Path.Combine(directory, "objects")) && Directory.Exists(Path.Combine(directory, "refs"));

    private static string LastSegment(string source)
    {
        var withoutQuery = source.Split('?', '#')[0].TrimEnd('/');
        var cut = Math.Max(withoutQuery.LastIndexOf('/'), withoutQuery.LastIndexOf(':'));
        return cut >= 0 ? withoutQuery[(cut + 1)..] : withoutQuery;
    }

    /// <summary>Lowercase letters, digits, '.', '_', '-' only, without archive or .git suffixes.</summary>
    internal static string SafeName(string name, bool git)
    {
        string[] suffixes = git ? [".git"] : [".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tbz2", ".txz", ".tar", ".zip", ".gz"];
        foreach (var suffix in suffixes)
        {
            if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && name.Length > suffix.Length)
            {
                name = name[..^suffix.Length];
                break;
            }
        }

        var builder = new StringBuilder(name.Length);
        foreach (var c in name.ToLowerInvariant())
        {
            builder.Append(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-' ? c : '-');
        }

        var safe = builder.ToString().Trim('.', '_', '-');
        return safe.Length == 0 ? "build" : safe;
    }
}
