namespace QuayBuilder.BuildContext.Fuzz;

/// <summary>Parses a Dockerfile; every base image found must print and re-parse to itself.</summary>
internal static class DockerfileTarget
{
    public static void Run(string text)
    {
        Dockerfile dockerfile;
        try
        {
            dockerfile = DockerfileParser.Parse(text);
        }
        catch (SourceException)
        {
            return;
        }

        foreach (BuildStage stage in dockerfile.Stages)
        {
            if (stage.Base is { } image && ImageReference.Parse(image.ToString()) != image)
            {
                throw new InvalidOperationException($"reference does not round-trip: {image}");
            }
        }

        _ = dockerfile.BaseImage;
        _ = dockerfile.ExternalBases;
    }
}
