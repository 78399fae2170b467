using QuayBuilder.Build;

namespace QuayBuilder.Tests.Build;

public sealed class LineAssemblerTests
{
    [Theory]
    [InlineData(new[] { "STEP 1/2: FROM x\nhello\n" }, new[] { "STEP 1/2: FROM x", "hello" })]
    [InlineData(new[] { "STEP 1/", "2: FROM x\nhel", "lo\n" }, new[] { "STEP 1/2: FROM x", "hello" })]
    [InlineData(new[] { "a\n\n\nb\r\n" }, new[] { "a", "b" })]
    [InlineData(new[] { "no newline at the end" }, new[] { "no newline at the end" })]
    public void Append_WhenChunksSplitOrJoinLines_EmitsWholeLines(string[] chunks, string[] expected)
    {
        var lines = new List<string>();
        var assembler = new LineAssembler(lines.Add);
        foreach (var chunk in chunks)
        {
            assembler.Append(chunk);
        }

        assembler.Flush();
        Assert.Equal(expected, lines);
    }
}
