namespace QuayBuilder.Registry;

/// <summary>The manifest and config media types of the Docker v2 schema 2 and OCI image formats.</summary>
internal static class MediaTypes
{
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";

    public static bool IsList(string mediaType) => mediaType is DockerManifestList or OciIndex;

    public static bool IsImage(string mediaType) => mediaType is DockerManifest or OciManifest;
}
