using QuayBuilder.Local;
using QuayBuilder.Registry;

namespace QuayBuilder.Tests.Registry;

public sealed class RegistryDigestLookupTests
{
    [Fact]
    public async Task Find_WhenTheRegistryUsesTokenAuth_GetsATokenWithBasicCredentialsThenTheDigest()
    {
        var registry = new FakeRegistryHandler { Challenge = "Bearer" };

        var digest = await Find(registry, "registry.example.com");

        Assert.Equal(FakeRegistryHandler.Digest, digest);
        var token = Assert.Single(registry.Requests, r => r.Url.Host == "auth.example.com");
        Assert.Equal("?scope=repository%3Aacme%2Fapp%3Apull&service=registry.example.com", token.Url.Query);
        Assert.Equal(registry.ExpectedBasic, token.Authorization);
        Assert.Equal("Bearer registry-token", registry.Requests[^1].Authorization);
    }

    [Fact]
    public async Task Find_WhenALoopbackRegistryIsPlainHttp_FallsBackToHttp()
    {
        var registry = new FakeRegistryHandler { PlainHttpHosts = ["127.0.0.1:5055"] };

        var digest = await Find(registry, "127.0.0.1:5055");

        Assert.Equal(FakeRegistryHandler.Digest, digest);
        Assert.Equal(["https", "http"], registry.Requests.Select(r => r.Url.Scheme));
        Assert.Equal("/v2/acme/app/manifests/v1", registry.Requests[^1].Url.AbsolutePath);
    }

    [Fact]
    public async Task Find_WhenARemoteRegistryIsPlainHttp_NeverFallsBackSoNoCredentialTravelsInClear()
    {
        var registry = new FakeRegistryHandler { Challenge = "Basic", PlainHttpHosts = ["registry.example.com"] };

        var e = await Assert.ThrowsAsync<RegistryLookupException>(() => Find(registry, "registry.example.com"));

        Assert.Contains("could not reach https://registry.example.com/", e.Message, StringComparison.Ordinal);
        Assert.All(registry.Requests, r => Assert.Equal("https", r.Url.Scheme));
        Assert.DoesNotContain("pw-SECRET", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Find_WhenATokenRealmIsPlainHttpOnAnotherHost_AsksWithoutCredentialsAndReportsTheRefusal()
    {
        var registry = new FakeRegistryHandler { Challenge = "Bearer", Realm = "http://auth.example.com/token" };

        var e = await Assert.ThrowsAsync<RegistryLookupException>(() => Find(registry, "registry.example.com"));

        Assert.Contains("answered 401", e.Message, StringComparison.Ordinal);
        Assert.Null(Assert.Single(registry.Requests, r => r.Url.Host == "auth.example.com").Authorization);
    }

    [Theory]
    [InlineData("localhost:5000", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("[::1]:5000", true)]
    [InlineData("quay.io", false)]
    [InlineData("10.0.0.1:5000", false)]
    public void IsLoopback_WhenGivenARegistryAuthority_TellsLoopbackHosts(string authority, bool expected)
    {
        Assert.Equal(expected, RegistryDigestLookup.IsLoopback(authority));
    }

    private static async Task<string> Find(FakeRegistryHandler registry, string host)
    {
        using var http = new HttpClient(registry);
        return await new RegistryDigestLookup(http).FindAsync(host, "acme/app", "v1", "$token", "pw-SECRET", CancellationToken.None);
    }
}
