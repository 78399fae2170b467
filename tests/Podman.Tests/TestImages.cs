namespace QuayBuilder.Podman.Tests;

/// <summary>
/// Removes a test's image without force, as the worker does: every name first, then the id
/// (Podman 4.3.1 refuses to remove an id that still has several names, answering HTTP 500
/// "please force removal").
/// </summary>
internal static class TestImages
{
    public static async Task RemoveAsync(IContainerRuntime client, string id)
    {
        if (await client.InspectImageAsync(id, CancellationToken.None) is { } details)
        {
            foreach (var name in details.RepoTags)
            {
                await client.RemoveImageAsync(name, CancellationToken.None);
            }
        }

        await client.RemoveImageAsync(id, CancellationToken.None);
    }
}
