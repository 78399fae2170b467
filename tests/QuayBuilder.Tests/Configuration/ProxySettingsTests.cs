using QuayBuilder.Configuration;

namespace QuayBuilder.Tests.Configuration;

public sealed class ProxySettingsTests
{
    private static ProxySettings Read(params (string Name, string Value)[] variables)
    {
        var all = variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
        return ProxySettings.Read(name => all.GetValueOrDefault(name));
    }

    [Fact]
    public void Read_WhenExecutorPassesEmptyStrings_IsEmptyAndRemovesInheritedOnes()
    {
        var proxy = Read(("HTTP_PROXY", ""), ("HTTPS_PROXY", ""), ("NO_PROXY", " "));

        Assert.True(proxy.IsEmpty);
        Assert.Empty(proxy.BuildArguments());
        Assert.All(proxy.Environment(), pair => Assert.Null(pair.Value));
        Assert.Contains("http_proxy", proxy.Environment().Keys);
    }

    [Fact]
    public void Read_WhenUpperCaseEmptyAndLowerCaseSet_UsesTheLowerCase()
    {
        var proxy = Read(("HTTPS_PROXY", ""), ("https_proxy", "http://proxy:3128"));

        Assert.Equal("http://proxy:3128", proxy.HttpsProxy);
    }

    [Fact]
    public void Secrets_WhenAProxyUrlCarriesAPassword_IsThePasswordUnescaped()
    {
        var proxy = ProxySettings.Read(name => name switch
        {
            "HTTP_PROXY" => "http://robot:p%40ss-w0rd@proxy.example:3128",
            "HTTPS_PROXY" => "proxy.example:3128",
            _ => null,
        });

        Assert.Equal(["p@ss-w0rd"], proxy.Secrets());
        Assert.Empty(ProxySettings.Read(name => name == "HTTP_PROXY" ? "http://robot@proxy.example:3128" : null).Secrets());
    }

    [Fact]
    public void BuildArguments_WhenSet_AreDockersPredefinedArgumentsInBothSpellings()
    {
        var proxy = Read(("HTTP_PROXY", "http://proxy:3128"), ("NO_PROXY", "quay.example.com"));

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["HTTP_PROXY"] = "http://proxy:3128",
                ["http_proxy"] = "http://proxy:3128",
                ["NO_PROXY"] = "quay.example.com",
                ["no_proxy"] = "quay.example.com",
            },
            proxy.BuildArguments());
    }
}
