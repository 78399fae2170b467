namespace QuayBuilder.Local;

/// <summary>What a local-mode SOURCE turned out to be.</summary>
internal enum LocalSourceKind
{
    /// <summary>A directory on this machine, built in place.</summary>
    Directory,

    /// <summary>An archive file on this machine, extracted like a downloaded build package.</summary>
    ArchiveFile,

    /// <summary>An http(s) URL of an archive, downloaded like Quay's package_url.</summary>
    ArchiveUrl,

    /// <summary>A Git repository (any URL the worker accepts, or a local repository path), fetched at one commit.</summary>
    Git,
}
