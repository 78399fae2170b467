using System.Diagnostics;
using System.Formats.Tar;
using System.Net;
using System.Text;
using System.Text.Json;
using QuayBuilder.Build;
using QuayBuilder.Podman;
using QuayBuilder.Registry;
using QuayBuilder.Tests.EndToEnd;
using Xunit.Abstractions;

namespace QuayBuilder.Tests.Build;

/// <summary>
/// The layer cache against the real Podman service and registry: a cold build pushed and published,
/// the store emptied as on a fresh builder, primed, and rebuilt (issue 13).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class LayerCacheTests(ITestOutputHelper output)
{
    private static readonly CancellationToken None = CancellationToken.None;

    // Two slow RUN steps before the COPY, one after: RUN time dominates, as in the figure.
    private static string Dockerfile(string baseImage, string marker) =>
        $"FROM {baseImage}\nENV MARKER={marker}\nRUN sleep 2 && echo {marker} > /one\nWORKDIR /app\nRUN sleep 2 && echo two > /two\nCOPY file.txt /app/file.txt\nRUN sleep 1 && cat /app/file.txt > /three\n";

    [Fact]
    public async Task PublishThenPrime_OnAnEmptiedStore_UnchangedRebuildReusesEveryStepAndChangedFileReusesTheStepsBeforeIt()
    {
        var services = await TestServices.GetAsync();
        var lab = new Lab(services, output);
        await using var _ = lab;
        var marker = "cache-" + Guid.NewGuid().ToString("N")[..8];
        var dockerfile = Dockerfile(services.BaseImage, marker);

        var cold = await lab.BuildAsync(dockerfile, "v1");
        var pushedDigest = await lab.PushAsync(cold.ImageId);
        var published = await lab.Cache(lab.Registry(push: true)).PublishAsync(cold.ImageId, pushedDigest, ["latest"], None);
        output.WriteLine(published.Describe("published"));
        Assert.True(published.Succeeded, published.Warning);
        Assert.Equal(5, published.Images);
        Assert.Equal(["latest"], await lab.TagsAsync());

        await lab.EmptyStoreAsync(cold.ImageId);
        var primed = await lab.PrimeAsync();
        Assert.True(primed.Succeeded, primed.Warning);
        Assert.Equal(5, primed.Images);
        var unchanged = await lab.BuildAsync(dockerfile, "v1");
        Assert.Equal(6, unchanged.CachedSteps);
        Assert.Equal(cold.ImageId, unchanged.ImageId);

        await lab.EmptyStoreAsync(unchanged.ImageId);
        await lab.PrimeAsync();
        var changed = await lab.BuildAsync(dockerfile, "v2");
        Assert.Equal(4, changed.CachedSteps);
        var afterChange = changed.Output[changed.Output.IndexOf("STEP 6/7", StringComparison.Ordinal)..];
        Assert.DoesNotContain("Using cache", afterChange, StringComparison.Ordinal);
        Assert.Equal(["latest"], await lab.TagsAsync());

        // The next generation: the changed build's chain mixes pulled and new images; it publishes too.
        var republished = await lab.Cache(lab.Registry(push: true)).PublishAsync(changed.ImageId, await lab.PushAsync(changed.ImageId), ["latest"], None);
        Assert.True(republished.Succeeded, republished.Warning);
        Assert.Equal(5, republished.Images);
        await lab.EmptyStoreAsync(changed.ImageId);
        await lab.PrimeAsync();
        var again = await lab.BuildAsync(dockerfile, "v2");
        Assert.Equal(6, again.CachedSteps);
        Assert.Equal(["latest"], await lab.TagsAsync());

        output.WriteLine($"cold {cold.Elapsed.TotalSeconds:0.00} s, unchanged rebuild {unchanged.Elapsed.TotalSeconds:0.00} s " +
            $"({unchanged.Elapsed / cold.Elapsed:0.00}), changed-file rebuild {changed.Elapsed.TotalSeconds:0.00} s ({changed.Elapsed / cold.Elapsed:0.00}); " +
            $"prime {primed.Elapsed.TotalSeconds:0.00} s");
        Assert.True(changed.Elapsed < cold.Elapsed, $"changed-file rebuild {changed.Elapsed} is not faster than cold {cold.Elapsed}");
    }

    [Fact]
    public async Task Publish_WhenTheRegistryRefusesTheCacheWrites_WarnsAndTheTagStillNamesThePushedImage()
    {
        var services = await TestServices.GetAsync();
        var lab = new Lab(services, output);
        await using var _ = lab;
        var dockerfile = Dockerfile(services.BaseImage, "refused-" + Guid.NewGuid().ToString("N")[..8]);
        var cold = await lab.BuildAsync(dockerfile, "v1");
        var pushedDigest = await lab.PushAsync(cold.ImageId);

        var refusing = lab.Registry(push: true, new RefuseWrites());
        var report = await lab.Cache(refusing).PublishAsync(cold.ImageId, pushedDigest, ["latest"], None);

        output.WriteLine(report.Describe("published"));
        Assert.False(report.Succeeded);
        Assert.Contains("403", report.Warning, StringComparison.Ordinal);
        var tag = await lab.Registry(push: false).GetManifestAsync("latest", None);
        Assert.Equal(pushedDigest, tag?.Digest);
        Assert.Equal(["latest"], await lab.TagsAsync());

        // The next builder finds a plain image: nothing to prime, no warning, a cold build.
        await lab.EmptyStoreAsync(cold.ImageId);
        var primed = await lab.PrimeAsync();
        Assert.True(primed.Succeeded, primed.Warning);
        Assert.Equal(0, primed.Images);
        var rebuilt = await lab.BuildAsync(dockerfile, "v1");
        Assert.Equal(0, rebuilt.CachedSteps);
    }

    [Fact]
    public async Task Publish_WhenTheBuildKeptNoIntermediateImages_WarnsWithoutWriting()
    {
        var services = await TestServices.GetAsync();
        var lab = new Lab(services, output);
        await using var _ = lab;
        var cold = await lab.BuildAsync(Dockerfile(services.BaseImage, "nolayers-" + Guid.NewGuid().ToString("N")[..8]), "v1", layers: false);
        var pushedDigest = await lab.PushAsync(cold.ImageId);
        var registry = lab.Registry(push: true);

        var report = await lab.Cache(registry).PublishAsync(cold.ImageId, pushedDigest, ["latest"], None);

        Assert.False(report.Succeeded);
        Assert.Equal(0, registry.Traffic.Requests);
        Assert.Equal(pushedDigest, (await lab.Registry(push: false).GetManifestAsync("latest", None))?.Digest);
    }

    private sealed record Built(string ImageId, string Output, int CachedSteps, TimeSpan Elapsed);

    /// <summary>Refuses every write, as a registry that accepts the image push but not the cache's would.</summary>
    private sealed class RefuseWrites : DelegatingHandler
    {
        public RefuseWrites()
            : base(new HttpClientHandler())
        {
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            request.Method == HttpMethod.Get || request.Method == HttpMethod.Head
                ? base.SendAsync(request, cancellationToken)
                : Task.FromResult(new HttpResponseMessage(HttpStatusCode.Forbidden) { Content = new StringContent("{\"errors\":[{\"code\":\"DENIED\"}]}") });
    }

    /// <summary>One repository of its own, and the images this test made, removed at the end (the service is shared).</summary>
    private sealed class Lab(TestServices services, ITestOutputHelper output) : IAsyncDisposable
    {
        private readonly PodmanClient _podman = new(services.PodmanSocket);
        private readonly ImageStore _store = new(services.PodmanSocket);
        private readonly HttpClient _http = new();
        private readonly HashSet<string> _images = new(StringComparer.Ordinal);

        public string RepositoryPath { get; } = "qbcache/" + Guid.NewGuid().ToString("N")[..10];

        public string Repository => $"{services.Registry}/{RepositoryPath}";

        public RegistryClient Registry(bool push, HttpMessageHandler? handler = null) =>
            new(handler is null ? _http : new HttpClient(handler), new Uri($"http://{services.Registry}/"), RepositoryPath, null, push);

        public LayerCache Cache(RegistryClient registry) => new(_podman, _store, registry, Repository, TimeSpan.FromSeconds(60));

        public async Task<Built> BuildAsync(string dockerfile, string file, bool layers = true)
        {
            var text = new StringBuilder();
            var clock = Stopwatch.StartNew();
            var id = await _podman.BuildAsync(
                new BuildParameters { Tag = $"{Repository}:latest", Layers = layers },
                (stream, ct) => WriteContextAsync(stream, dockerfile, file, ct),
                message => text.Append(message.Stream),
                None);
            clock.Stop();
            await RememberAsync(id);
            var built = new Built(id, text.ToString(), CountOccurrences(text.ToString(), "--> Using cache "), clock.Elapsed);
            output.WriteLine($"build ({file}): {built.Elapsed.TotalSeconds:0.00} s, {built.CachedSteps} steps from cache");
            return built;
        }

        public async Task<string> PushAsync(string imageId)
        {
            var digest = await _podman.PushAsync(imageId, $"{Repository}:latest", null, _ => { }, None);
            return Assert.IsType<string>(digest);
        }

        /// <summary>As a fresh builder would do: pull the cached tag, then what its list names.</summary>
        public async Task<LayerCacheReport> PrimeAsync()
        {
            await _podman.PullAsync($"{Repository}:latest", null, _ => { }, None);
            var report = await Cache(Registry(push: false)).PrimeAsync("latest", null, None);
            output.WriteLine(report.Describe("primed"));
            foreach (var image in await _store.ListAsync(None))
            {
                if (image.RepoTags.Any(tag => tag.StartsWith(Repository, StringComparison.Ordinal)))
                {
                    await RememberAsync(image.Id);
                }
            }

            return report;
        }

        /// <summary>Removes the built image and every intermediate of it, leaving the base image (shared with other tests).</summary>
        public async Task EmptyStoreAsync(string imageId)
        {
            await RememberAsync(imageId);
            foreach (var id in _images)
            {
                await _podman.RemoveImageAsync(id, None);
            }

            Assert.Null(await _podman.InspectImageAsync(imageId, None));
            _images.Clear();
        }

        public async Task<List<string>> TagsAsync()
        {
            using var json = JsonDocument.Parse(await _http.GetStringAsync(new Uri($"http://{services.Registry}/v2/{RepositoryPath}/tags/list")));
            return json.RootElement.GetProperty("tags").EnumerateArray().Select(tag => tag.GetString()!).ToList();
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var id in _images)
            {
                await _podman.RemoveImageAsync(id, None);
            }

            await _podman.DisposeAsync();
            await _store.DisposeAsync();
            _http.Dispose();
        }

        private async Task RememberAsync(string imageId)
        {
            _images.Add(imageId);
            foreach (var ancestor in ImageStore.UntaggedAncestors(await _store.ListAsync(None), imageId))
            {
                _images.Add(ancestor.Id);
            }
        }

        private static async Task WriteContextAsync(Stream stream, string dockerfile, string file, CancellationToken ct)
        {
            await using var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true);
            foreach (var (name, content) in new[] { ("Dockerfile", dockerfile), ("file.txt", file + "\n") })
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
                {
                    DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                    ModificationTime = DateTimeOffset.UnixEpoch,
                };
                await writer.WriteEntryAsync(entry, ct);
            }
        }

        private static int CountOccurrences(string text, string value)
        {
            var count = 0;
            for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
            {
                count++;
            }

            return count;
        }
    }
}
