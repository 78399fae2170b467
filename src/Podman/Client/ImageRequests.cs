using System.Net;

namespace QuayBuilder.Podman;

/// <summary>
/// Inspecting and removing an image: the same requests on libpod and on the Docker-compatible
/// API but for the path prefix and how each client writes an image id in a path.
/// </summary>
internal static class ImageRequests
{
    /// <summary>The image, or null when the runtime does not know it (404).</summary>
    public static async Task<ImageDetails?> InspectAsync(RuntimeConnection connection, string api, string pathName, string nameOrId, CancellationToken ct)
    {
        var (status, body) = await connection.SendShortAsync(
            HttpMethod.Get, $"{api}/images/{pathName}/json", $"Inspecting image {nameOrId}", HttpStatusCode.NotFound, ct)
            .ConfigureAwait(false);
        return status == HttpStatusCode.NotFound ? null : PodmanClient.ParseInspect(body, nameOrId);
    }

    /// <summary>Removes one name or the image, never by force: false when it is in use (409); a missing image is already gone.</summary>
    public static async Task<bool> RemoveAsync(RuntimeConnection connection, string api, string pathName, string nameOrId, CancellationToken ct)
    {
        try
        {
            await connection.SendShortAsync(
                HttpMethod.Delete, $"{api}/images/{pathName}", $"Removing image {nameOrId}", HttpStatusCode.NotFound, ct)
                .ConfigureAwait(false);
            return true;
        }
        catch (PodmanException e) when (e.StatusCode == (int)HttpStatusCode.Conflict)
        {
            return false;
        }
    }
}
