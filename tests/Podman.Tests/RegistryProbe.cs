using System.Text.Json;

namespace QuayBuilder.Podman.Tests;

/// <summary>Asks a registry directly (v2 API) what it holds.</summary>
internal static class RegistryProbe
{
    internal static async Task<IReadOnlyList<string>> TagsAsync(string registry, string repository, string? username = null, string? password = null)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{registry}/v2/{repository}/tags/list");
        if (username is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{username}:{password}")));
        }

        using var response = await http.SendAsync(request);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return [];
        }

        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array
            ? tags.EnumerateArray().Select(t => t.GetString()!).ToList()
            : [];
    }
}
