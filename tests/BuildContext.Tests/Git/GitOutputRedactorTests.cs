namespace QuayBuilder.BuildContext.Tests.Git;

public sealed class GitOutputRedactorTests
{
    private const string Key = "-----BEGIN OPENSSH PRIVATE KEY-----\r\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\r\nQyNTUxOQAAACBexampleexampleexample\r\n-----END OPENSSH PRIVATE KEY-----\r\n";

    [Fact]
    public void Redact_WhenTextContainsAKeyLine_MasksIt()
    {
        var redactor = new GitOutputRedactor(Key, "git@host:r.git");

        string masked = redactor.Redact("Load key: QyNTUxOQAAACBexampleexampleexample is bad");

        Assert.Equal("Load key: *** is bad", masked);
    }

    [Fact]
    public void Redact_WhenTextContainsUrlPassword_MasksIt()
    {
        var redactor = new GitOutputRedactor(null, "https://bot:ghp_0123456789@github.com/o/r.git");

        string masked = redactor.Redact("fatal: unable to access 'https://bot:ghp_0123456789@github.com/o/r.git/': 403");

        Assert.DoesNotContain("ghp_0123456789", masked, StringComparison.Ordinal);
        Assert.Contains("***", masked, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_WhenNoSecrets_LeavesTextAlone()
    {
        var redactor = new GitOutputRedactor(null, "git@github.com:o/r.git");

        Assert.Equal("Permission denied (publickey).", redactor.Redact("Permission denied (publickey)."));
    }

    [Fact]
    public void ToString_OfRequest_DoesNotPrintTheKey()
    {
        var request = new GitSourceRequest("https://u:tok3n-value@host/r.git", "abc1234", Key);

        string text = request.ToString();

        Assert.DoesNotContain("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("tok3n-value", text, StringComparison.Ordinal);
    }
}
