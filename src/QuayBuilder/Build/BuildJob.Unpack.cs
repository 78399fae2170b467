using QuayBuilder.BuildContext;

namespace QuayBuilder.Build;

internal sealed partial class BuildJob
{
    private async Task<UnpackedSource> UnpackAsync(BuildArtifacts made, CancellationToken ct)
    {
        await EnterAsync(BuildPhase.Unpacking, null, ct).ConfigureAwait(false);
        var workDirectory = WorkDirectory.Create(_options.WorkRoot);
        made.WorkDirectory = workDirectory;
        var source = Path.Combine(workDirectory, "source");
        var progress = new LineProgress(Info);
        SourceFacts facts;
        try
        {
            if (_spec.Git is { } git)
            {
                var scratch = Path.Combine(workDirectory, "scratch");
                Directory.CreateDirectory(scratch);
                var fetcher = new GitFetcher(_options.Git);
                var commit = await fetcher.FetchAsync(new GitSourceRequest(git.Url, git.Sha, git.PrivateKey), source, scratch, progress, ct).ConfigureAwait(false);
                facts = SourceFacts.FromGit(git.Url, commit);
            }
            else if (_spec.PackageUrl is { } url)
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                {
                    throw new BuildFailure(FailureKind.Source, "The build package URL is not an http(s) URL: re-run the build; the manager sent an unusable package_url.");
                }

                using var http = PackageFetcher.CreateHttpClient(_options.SourceLimits, _options.Trust.ValidationCallback);
                var fetched = await new PackageFetcher(http, _options.SourceLimits, Backoff.PackageDownload()).FetchAsync(uri, source, progress, ct).ConfigureAwait(false);
                Info($"Build package: {fetched.Kind}, {fetched.Entries} entries, {fetched.Bytes} bytes");
                facts = SourceFacts.FromPackage(fetched);
            }
            else if (_spec.LocalPath is { } local)
            {
                if (Directory.Exists(local))
                {
                    // A directory is built in place: resolution below confines the build to it.
                    source = Path.GetFullPath(local);
                    facts = SourceFacts.FromDirectory(source);
                }
                else
                {
                    var fetched = await PackageFetcher.ExtractFileAsync(local, source, _options.SourceLimits, progress, ct).ConfigureAwait(false);
                    Info($"Build package: {fetched.Kind}, {fetched.Entries} entries, {fetched.Bytes} bytes");
                    facts = SourceFacts.FromPackage(fetched);
                }
            }
            else
            {
                throw new BuildFailure(FailureKind.Source, "The build pack has no source (neither a package URL nor a Git package): re-run the build.");
            }

            var context = BuildContextResolver.Resolve(source, _spec.Context, _spec.DockerfilePath);
            Info($"Build context: {Relative(source, context.ContextDirectory)}, Dockerfile: {Relative(source, context.DockerfilePath)}");
            var dockerfileText = await ReadDockerfileAsync(context.DockerfilePath, ct).ConfigureAwait(false);
            return new UnpackedSource(context, DockerfileParser.Parse(dockerfileText), facts);
        }
        catch (SourceException e)
        {
            throw new BuildFailure(FailureKind.Source, e.Message, e);
        }
    }

    private async Task<string> ReadDockerfileAsync(string path, CancellationToken ct)
    {
        var length = new FileInfo(path).Length;
        if (length > _options.MaxDockerfileBytes)
        {
            throw new SourceException($"Could not parse Dockerfile: it is {length} bytes, more than the {_options.MaxDockerfileBytes} bytes a Dockerfile may have.");
        }

        return await File.ReadAllTextAsync(path, ct).ConfigureAwait(false);
    }
}
