using Microsoft.Extensions.Logging;
using QuayBuilder.Hosting;
using QuayBuilder.Logging;

namespace QuayBuilder.Tests.Hosting;

public sealed class WorkerLoggingTests
{
    private const string Uuid = "3f2b9c0e-6a43-4d5e-9d7f-1c2b3a4d5e6f";
    private static readonly SystemdEnvironment Journal = SystemdEnvironment.None with { JournalStream = "8:123456", InvocationId = "0123456789abcdef0123456789abcdef" };
    private static readonly FixedTimeProvider Clock = new(new DateTimeOffset(2026, 1, 31, 12, 0, 0, 5, TimeSpan.FromHours(2)));

    private static (ILoggerFactory Factory, StringWriter Output) Create(SystemdEnvironment environment, bool debug = false, string? uuid = Uuid, SecretMasker? masker = null)
    {
        var output = new StringWriter();
        var factory = WorkerLogging.Create(debug, uuid, masker ?? new SecretMasker(), environment, output, Clock);
        return (factory, output);
    }

    private static string[] Lines(StringWriter output) => output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Theory]
    [InlineData(LogLevel.Critical, "<2>")]
    [InlineData(LogLevel.Error, "<3>")]
    [InlineData(LogLevel.Warning, "<4>")]
    [InlineData(LogLevel.Information, "<6>")]
    [InlineData(LogLevel.Debug, "<7>")]
    public void Create_WhenUnderJournald_PrefixesTheSyslogPriorityOfTheLevel(LogLevel level, string priority)
    {
        var (factory, output) = Create(Journal, debug: true);
        using (factory)
        {
            factory.CreateLogger("QuayBuilder.Build").Log(level, "pull failed");
        }

        Assert.Equal([priority + "[" + Uuid + "] pull failed"], Lines(output));
    }

    [Fact]
    public void Create_WhenOnlyInvocationIdSet_UsesJournaldFormat()
    {
        var (factory, output) = Create(SystemdEnvironment.None with { InvocationId = "0123456789abcdef0123456789abcdef" });
        using (factory)
        {
            factory.CreateLogger("x").LogWarning("registration slow");
        }

        Assert.Equal(["<4>[" + Uuid + "] registration slow"], Lines(output));
    }

    [Fact]
    public void Create_WhenNotUnderSystemd_WritesUtcTimestampLevelAndUuid()
    {
        var (factory, output) = Create(SystemdEnvironment.None);
        using (factory)
        {
            var logger = factory.CreateLogger("x");
            logger.LogInformation("registered");
            logger.LogError("push failed");
        }

        Assert.Equal(
            [
                "2026-01-31T10:00:00.005Z INFO  [" + Uuid + "] registered",
                "2026-01-31T10:00:00.005Z ERROR [" + Uuid + "] push failed",
            ],
            Lines(output));
    }

    [Fact]
    public void Create_WhenBuildUuidUnknown_WritesNoPrefix()
    {
        var (factory, output) = Create(Journal, uuid: null);
        using (factory)
        {
            factory.CreateLogger("x").LogInformation("starting");
        }

        Assert.Equal(["<6>starting"], Lines(output));
    }

    [Fact]
    public void Create_WhenDebugOff_DropsDebugEvents()
    {
        var (factory, output) = Create(Journal, debug: false);
        using (factory)
        {
            var logger = factory.CreateLogger("x");
            logger.LogDebug("noise");
            logger.LogTrace("more noise");
            logger.LogInformation("kept");
        }

        Assert.Equal(["<6>[" + Uuid + "] kept"], Lines(output));
    }

    [Fact]
    public void Create_WhenMessageHasNewlinesAndEscapes_WritesOneLinePerEvent()
    {
        var (factory, output) = Create(Journal);
        using (factory)
        {
            var logger = factory.CreateLogger("x");
            logger.LogError("podman said:\nError: short-name resolution\r\n\u001b[31mfailed\u001b[0m\tdone");
            logger.LogInformation("next");
        }

        Assert.Equal(
            [
                "<3>[" + Uuid + @"] podman said:\nError: short-name resolution\n\x1b[31mfailed\x1b[0m" + "\tdone",
                "<6>[" + Uuid + "] next",
            ],
            Lines(output));
    }

    [Fact]
    public void Create_WhenMessageOrExceptionContainsSecrets_MasksThem()
    {
        var masker = new SecretMasker();
        masker.Add("eyJhbGciOiJSUzI1NiJ9.registration-jwt");
        const string key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\nAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----";
        masker.Add(key);
        var (factory, output) = Create(Journal, masker: masker);
        using (factory)
        {
            var logger = factory.CreateLogger("x");
            logger.LogInformation("TOKEN=eyJhbGciOiJSUzI1NiJ9.registration-jwt");
            logger.LogError(new InvalidOperationException("ssh rejected key\n" + key), "clone failed");
            logger.LogWarning("git quoted one line: AAAAAAABAAAAMwAAAAtzc2gtZW");
        }

        var text = output.ToString();
        Assert.DoesNotContain("registration-jwt", text, StringComparison.Ordinal);
        Assert.DoesNotContain("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("AAAAAAABAAAAMwAAAAtzc2gtZW", text, StringComparison.Ordinal);
        Assert.Equal(
            [
                "<6>[" + Uuid + "] TOKEN=***",
                "<3>[" + Uuid + "] clone failed: InvalidOperationException: ssh rejected key\\n***",
                "<4>[" + Uuid + "] git quoted one line: ***",
            ],
            Lines(output));
    }

    [Fact]
    public void Create_WhenExceptionLoggedWithoutDebug_WritesCauseChainOnOneLine()
    {
        var (factory, output) = Create(Journal);
        var failure = new InvalidOperationException("build failed", new IOException("connection reset"));
        using (factory)
        {
            factory.CreateLogger("x").LogError(failure, "giving up");
        }

        Assert.Equal(
            ["<3>[" + Uuid + "] giving up: InvalidOperationException: build failed ---> IOException: connection reset"],
            Lines(output));
    }

    [Fact]
    public void Create_WhenExceptionLoggedWithDebug_IncludesStackTraceOnTheSameLine()
    {
        var (factory, output) = Create(Journal, debug: true);
        Exception thrown;
        try
        {
            throw new InvalidOperationException("boom");
        }
        catch (InvalidOperationException e)
        {
            thrown = e;
        }

        using (factory)
        {
            factory.CreateLogger("x").LogError(thrown, "failed");
        }

        var line = Assert.Single(Lines(output));
        Assert.StartsWith("<3>[" + Uuid + "] failed: System.InvalidOperationException: boom\\n   at ", line, StringComparison.Ordinal);
        Assert.Contains(nameof(Create_WhenExceptionLoggedWithDebug_IncludesStackTraceOnTheSameLine), line, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_WhenMessageIsHuge_TruncatesBelowJournaldLineMax()
    {
        var (factory, output) = Create(Journal);
        using (factory)
        {
            factory.CreateLogger("x").LogError("{Body}", new string('y', 100_000));
        }

        var line = Assert.Single(Lines(output));
        Assert.EndsWith("… (truncated)", line, StringComparison.Ordinal);
        Assert.True(line.Length < 48 * 1024, $"line is {line.Length} chars");
    }
}
