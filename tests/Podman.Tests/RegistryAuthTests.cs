using System.Text;
using System.Text.Json;

namespace QuayBuilder.Podman.Tests;

public sealed class RegistryAuthTests
{
    [Fact]
    public void ToString_WhenFormatted_HidesPassword()
    {
        var auth = new RegistryAuth("$token", "s3cr3t-push-token");

        Assert.DoesNotContain("s3cr3t-push-token", auth.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-push-token", $"{auth}", StringComparison.Ordinal);
        Assert.Contains("$token", auth.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_WhenPasswordHasUrlUnsafeBytes_IsBase64UrlOfDockerAuthConfig()
    {
        var header = RegistryAuthHeader.Encode(new RegistryAuth("u", "p?>>~~"));

        Assert.DoesNotContain('+', header);
        Assert.DoesNotContain('/', header);
        var json = Encoding.UTF8.GetString(Convert.FromBase64String(header.Replace('-', '+').Replace('_', '/')));
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("u", doc.RootElement.GetProperty("username").GetString());
        Assert.Equal("p?>>~~", doc.RootElement.GetProperty("password").GetString());
    }

    [Fact]
    public void EncodeConfig_WhenTwoRegistries_MapsEachHostToItsCredentials()
    {
        var header = RegistryAuthHeader.EncodeConfig(new Dictionary<string, RegistryAuth>
        {
            ["quay.example:443"] = new("$token", "a"),
            ["other.example"] = new("bob", "b"),
        });

        var json = Encoding.UTF8.GetString(Convert.FromBase64String(header.Replace('-', '+').Replace('_', '/')));
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("a", doc.RootElement.GetProperty("quay.example:443").GetProperty("password").GetString());
        Assert.Equal("bob", doc.RootElement.GetProperty("other.example").GetProperty("username").GetString());
    }
}
