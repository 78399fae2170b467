using QuayBuilder.Build;
using QuayBuilder.Protocol;

namespace QuayBuilder.Manager;

/// <summary>Turns the wire's BuildPack into the worker's <see cref="BuildJobSpec"/>.</summary>
internal static class BuildPackMapper
{
    public static BuildJobSpec ToSpec(BuildPack pack)
    {
        var tags = pack.TagNames.Where(t => !string.IsNullOrWhiteSpace(t)).Select(t => t.Trim()).Distinct(StringComparer.Ordinal).ToList();
        var spec = new BuildJobSpec
        {
            Context = pack.Context,
            DockerfilePath = pack.DockerfilePath,
            Repository = pack.Repository,
            Registry = pack.Registry,
            PullToken = pack.PullToken,
            PushToken = pack.PushToken,
            Tags = tags.Count == 0 ? ["latest"] : tags,
            BaseImageUsername = pack.BaseImage?.Username ?? string.Empty,
            BaseImagePassword = pack.BaseImage?.Password ?? string.Empty,
        };

        return pack.BuildPackCase switch
        {
            BuildPack.BuildPackOneofCase.PackageUrl => spec with { PackageUrl = pack.PackageUrl },
            BuildPack.BuildPackOneofCase.GitPackage => spec with
            {
                Git = new GitPackageSpec(pack.GitPackage.Url, pack.GitPackage.Sha, string.IsNullOrWhiteSpace(pack.GitPackage.PrivateKey) ? null : pack.GitPackage.PrivateKey),
            },
            _ => throw new BuildFailure(FailureKind.Source,
                "The build manager sent a build pack with neither a package URL nor a Git package: re-run the build; if it happens again, the manager's trigger configuration is broken."),
        };
    }
}
