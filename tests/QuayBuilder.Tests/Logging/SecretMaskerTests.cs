using QuayBuilder.Logging;

namespace QuayBuilder.Tests.Logging;

public sealed class SecretMaskerTests
{
    [Fact]
    public void Apply_MasksEverySecretAndItsEncodedForms()
    {
        var masker = new SecretMasker();
        masker.Add("push+token/SECRET=");
        var base64 = Convert.ToBase64String("push+token/SECRET="u8);
        Assert.Equal("auth *** url *** b64 ***", masker.Apply($"auth push+token/SECRET= url {Uri.EscapeDataString("push+token/SECRET=")} b64 {base64}"));
    }

    [Fact]
    public void Apply_MasksEachLineOfAPrivateKeyButNotItsFrame()
    {
        var masker = new SecretMasker();
        const string key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\nAAAAMwAAAAtzc2gtZWQyNTUxOQAAACD0\n-----END OPENSSH PRIVATE KEY-----\n";
        masker.Add(key);
        var masked = masker.Apply("git said: AAAAMwAAAAtzc2gtZWQyNTUxOQAAACD0 is invalid; -----BEGIN OPENSSH PRIVATE KEY-----");
        Assert.Equal("git said: *** is invalid; -----BEGIN OPENSSH PRIVATE KEY-----", masked);
        Assert.Equal("key: ***\n", masker.Apply("key: " + key));
    }

    [Fact]
    public void Add_IgnoresEmptyAndShortValues()
    {
        var masker = new SecretMasker();
        masker.Add(null);
        masker.Add(string.Empty);
        masker.Add("true");
        Assert.Equal("true is not masked", masker.Apply("true is not masked"));
    }
}
