using System.Text;
using System.Text.Json;
using QuayBuilder.Build;
using QuayBuilder.Manager;

namespace QuayBuilder.Tests.Manager;

public sealed class LogLineSplitterTests
{
    private const int Bound = 16 * 1024;

    [Fact]
    public void Split_WhenTheLineFitsExactly_SendsItWholeAndUnmarked()
    {
        var message = BuildLogMessage.Stream(new string('a', Bound - 1));

        var pieces = LogLineSplitter.Split(message, Bound);

        Assert.Equal([message], pieces);
        Assert.Null(pieces[0].Piece);
        Assert.DoesNotContain("partial", pieces[0].ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Split_WhenOneByteOver_MakesTwoPiecesOnlyTheLastEndingTheLine()
    {
        var text = new string('a', Bound) + "\n";

        var pieces = LogLineSplitter.Split(BuildLogMessage.Stream(text), Bound);

        Assert.Equal(2, pieces.Count);
        Assert.Equal(new string('a', Bound), pieces[0].Text);
        Assert.Equal("\n", pieces[1].Text);
        Assert.Equal(new LogPiece(1, false), pieces[0].Piece);
        Assert.Equal(new LogPiece(2, true), pieces[1].Piece);
        Assert.All(pieces, p => Assert.Equal(LogMessageKind.Stream, p.Kind));
    }

    [Theory]
    [InlineData("é")] // 2 bytes
    [InlineData("€")] // 3 bytes
    [InlineData("😀")] // 4 bytes: a surrogate pair
    [InlineData("a€😀é")]
    public void Split_WhenMultiByteCharsStraddleTheBound_NeverCutsOneAndKeepsEveryByte(string unit)
    {
        // Offsets 0..3 put every kind of char across each piece boundary.
        for (int offset = 0; offset < 4; offset++)
        {
            var text = new string('x', offset) + string.Concat(Enumerable.Repeat(unit, 3 * Bound / Encoding.UTF8.GetByteCount(unit))) + "\n";

            var pieces = LogLineSplitter.Split(BuildLogMessage.Stream(text), Bound);

            Assert.True(pieces.Count > 2);
            Assert.Equal(text, string.Concat(pieces.Select(p => p.Text)));
            Assert.Equal(Encoding.UTF8.GetBytes(text), pieces.SelectMany(p => Encoding.UTF8.GetBytes(p.Text)).ToArray());
            Assert.All(pieces.SkipLast(1), p =>
            {
                int bytes = Encoding.UTF8.GetByteCount(p.Text);
                Assert.InRange(bytes, Bound - 3, Bound);
                Assert.False(char.IsLowSurrogate(p.Text[0]), "a piece starts with half a surrogate pair");
                Assert.False(char.IsHighSurrogate(p.Text[^1]), "a piece ends with half a surrogate pair");
            });
            Assert.Equal(Enumerable.Range(1, pieces.Count), pieces.Select(p => p.Piece!.Value.Ordinal));
            Assert.Equal(pieces.Count - 1, pieces.Count(p => !p.Piece!.Value.Last));
        }
    }

    [Fact]
    public void Split_ASixMegabyteLine_GivesPiecesOfExactlyTheBoundThatRoundTripThroughJson()
    {
        var text = string.Concat(Enumerable.Range(0, 600_000).Select(i => $"{i:D9}|")) + "\n";

        var pieces = LogLineSplitter.Split(BuildLogMessage.Stream(text), Bound);

        Assert.Equal((text.Length + Bound - 1) / Bound, pieces.Count);
        Assert.All(pieces.SkipLast(1), p => Assert.Equal(Bound, p.Text.Length));
        var decoded = pieces.Select(p =>
        {
            using var json = JsonDocument.Parse(p.ToJson());
            Assert.True(json.RootElement.TryGetProperty("partial", out _));
            return json.RootElement.GetProperty("stream").GetString();
        });
        Assert.Equal(text, string.Concat(decoded));
    }

    [Fact]
    public void Split_ALoneSurrogate_CountsAsTheThreeBytesOfUFFFDAndEncodesWithoutThrowing()
    {
        var text = new string('a', Bound - 2) + "\uD800" + "tail";

        var pieces = LogLineSplitter.Split(BuildLogMessage.Error(text), Bound);

        Assert.Equal(2, pieces.Count);
        Assert.Equal(new string('a', Bound - 2), pieces[0].Text);
        Assert.Equal("\uD800tail", pieces[1].Text);
        Assert.All(pieces, p => Assert.Equal(LogMessageKind.Error, p.Kind));
        using var json = JsonDocument.Parse(pieces[1].ToJson());
        Assert.Equal("\uFFFDtail", json.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public void Split_AStatusLine_KeepsItsIdAndProgressOnEveryPiece()
    {
        var message = BuildLogMessage.Status(new string('s', Bound + 10), "layer1", 5, 10);

        var pieces = LogLineSplitter.Split(message, Bound);

        Assert.Equal(2, pieces.Count);
        Assert.All(pieces, p => Assert.Equal(("layer1", 5L, 10L), (p.Id, p.Current!.Value, p.Total!.Value)));
    }

    [Fact]
    public void Ranges_WhenTheBoundIsBelowOneChar_Refuses()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LogLineSplitter.Ranges("abc", 3));
    }
}
