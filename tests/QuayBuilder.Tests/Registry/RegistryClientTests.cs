using System.Text;
using QuayBuilder.Podman;
using QuayBuilder.Registry;

namespace QuayBuilder.Tests.Registry;

/// <summary>The layer cache's registry calls under Quay's token auth (a handler that behaves like it).</summary>
public sealed class RegistryClientTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly Uri Base = new("https://registry.example.com/");

    private static RegistryClient Client(TokenRegistryHandler handler, bool push) =>
        new(new HttpClient(handler), Base, "acme/web", new RegistryAuth("$token", TokenRegistryHandler.Secret), push);

    [Fact]
    public async Task PutThenGetManifest_WhenTheRegistryUsesTokenAuth_AsksTheRealmForPushScopeOnceAndReadsBackTheSameDigest()
    {
        var handler = new TokenRegistryHandler();
        var client = Client(handler, push: true);
        var bytes = Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\"}");
        var digest = RegistryClient.Digest(bytes);

        var stored = await client.PutManifestAsync(digest, bytes, MediaTypes.DockerManifest, None);
        var read = await client.GetManifestAsync(digest, None);

        Assert.Equal(digest, stored);
        Assert.Equal(digest, read?.Digest);
        Assert.Equal(MediaTypes.DockerManifest, read?.MediaType);
        var scope = Assert.Single(handler.Scopes);
        Assert.Contains("scope=repository:acme/web:pull,push", scope, StringComparison.Ordinal);
        Assert.Contains("service=registry.example.com", scope, StringComparison.Ordinal);
        Assert.Equal(3, client.Traffic.Requests);
    }

    [Fact]
    public async Task GetManifest_WithAPullClient_AsksOnlyForPullScopeAndAnswersNullForAMissingTag()
    {
        var handler = new TokenRegistryHandler();

        var read = await Client(handler, push: false).GetManifestAsync("latest", None);

        Assert.Null(read);
        Assert.Contains("scope=repository:acme/web:pull&", Assert.Single(handler.Scopes) + "&", StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadBlob_WhenTheBlobIsNew_UploadsItUnderItsDigestThenFindsIt()
    {
        var handler = new TokenRegistryHandler();
        var client = Client(handler, push: true);
        var config = Encoding.UTF8.GetBytes("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");

        Assert.False(await client.BlobExistsAsync(RegistryClient.Digest(config), None));
        await client.UploadBlobAsync(config, None);

        Assert.True(await client.BlobExistsAsync(RegistryClient.Digest(config), None));
        Assert.Equal(config.Length, client.Traffic.BytesSent);
    }

    [Fact]
    public async Task UploadBlob_WhenTheRegistrySendsTheUploadToAnotherHost_RefusesSoTheTokenStaysWithTheRegistry()
    {
        var handler = new TokenRegistryHandler { UploadHost = "elsewhere.example.net" };

        var error = await Assert.ThrowsAsync<RegistryException>(() => Client(handler, push: true).UploadBlobAsync([1, 2, 3], None));

        Assert.Contains("elsewhere.example.net", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(handler.Requests, request => request.Path == "/v2/upload/1");
    }

    [Fact]
    public async Task GetManifest_WhenTheTokenServiceRefuses_FailsNamingTheServiceAndNeverTheSecret()
    {
        var handler = new TokenRegistryHandler { RefuseTokens = true };

        var error = await Assert.ThrowsAsync<RegistryException>(() => Client(handler, push: false).GetManifestAsync("latest", None));

        Assert.Contains("token service at https://registry.example.com/v2/auth answered 401", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(TokenRegistryHandler.Secret, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(TokenRegistryHandler.Token, error.Message, StringComparison.Ordinal);
    }
}
