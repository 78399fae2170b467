namespace QuayBuilder.BuildContext;

/// <summary>What a build package is, decided from its first bytes.</summary>
/// <param name="Kind">One of <see cref="FetchedPackage.Kind"/>'s values, or null when the package cannot be used.</param>
/// <param name="Description">What was detected, in words, for log lines and errors.</param>
internal readonly record struct PackageFormat(string? Kind, string Description)
{
    public const string Tar = "tar";
    public const string TarGzip = "tar.gz";
    public const string TarBzip2 = "tar.bz2";
    public const string TarXz = "tar.xz";
    public const string Zip = "zip";
    public const string Dockerfile = "dockerfile";

    public bool IsHtml { get; init; }

    public bool IsEmpty { get; init; }
}
