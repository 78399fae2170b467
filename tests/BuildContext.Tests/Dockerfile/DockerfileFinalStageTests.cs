namespace QuayBuilder.BuildContext.Tests.Context;

public sealed class DockerfileFinalStageTests
{
    [Theory]
    [InlineData("FROM a\nLABEL k1=v1 \"k2\"=\"v 2\" 'k3'=x\n", "k1,k2,k3")]
    [InlineData("FROM a\nLABEL legacy the whole value\n", "legacy")]
    [InlineData("FROM a\nLABEL k1=v \\\n  k2=w\n", "k1,k2")]
    [InlineData("# escape=`\nFROM a\nLABEL k1=v `\n  k2=w\n", "k1,k2")]
    [InlineData("# escape=`\nFROM a\nLABEL a`=b=c\n", "a=b")]
    [InlineData("FROM a\nLABEL ${DYNAMIC}=v fixed=1\n", "fixed")]
    [InlineData("FROM a\nLABEL \"a=b\"=c\n", "a=b")]
    [InlineData("FROM a AS base\nLABEL inherited=1\nFROM base AS mid\nLABEL middle=1\nFROM MID\nLABEL last=1\n", "inherited,last,middle")]
    [InlineData("FROM a AS build\nLABEL builder=1\nFROM b\nLABEL last=1\n", "last")]
    [InlineData("ARG BASE=a\nFROM ${BASE}\nRUN true\n", "")]
    public void Read_FindsTheLabelKeysOfTheFinalImagesStages(string dockerfile, string keys) =>
        Assert.Equal(keys, string.Join(",", DockerfileFinalStage.Read(DockerfileParser.Parse(dockerfile)).LabelKeys.Order(StringComparer.Ordinal)));

    [Theory]
    [InlineData("FROM a\nHEALTHCHECK CMD true\nSHELL [\"/bin/sh\", \"-c\"]\nHEALTHCHECK NONE\n", "HEALTHCHECK,SHELL")]
    [InlineData("FROM a AS base\nONBUILD RUN x\nFROM base\nSTOPSIGNAL SIGTERM\n", "ONBUILD")]
    [InlineData("FROM a AS build\nHEALTHCHECK NONE\nFROM b\nCOPY --from=build /x /x\n", "")]
    public void Read_NamesTheDockerOnlyInstructionsTheFinalImageWouldLose(string dockerfile, string keywords) =>
        Assert.Equal(keywords, string.Join(",", DockerfileFinalStage.Read(DockerfileParser.Parse(dockerfile)).DockerOnlyInstructions));
}
