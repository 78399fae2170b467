using QuayBuilder.BuildContext;

namespace QuayBuilder.BuildContext.Tests.Context;

public sealed class IgnoreMatcherTests
{
    // ignore file text ('|' separates lines), path, excluded?
    public static TheoryData<string, string, bool> Cases => new()
    {
        // Docker's documentation of .dockerignore, "Example .dockerignore file".
        { "# comment|*/temp*|*/*/temp*|temp?", "somedir/temporary.txt", true },
        { "# comment|*/temp*|*/*/temp*|temp?", "somedir/temp", true },
        { "# comment|*/temp*|*/*/temp*|temp?", "somedir/subdir/temporary.txt", true },
        { "# comment|*/temp*|*/*/temp*|temp?", "tempa", true },
        { "# comment|*/temp*|*/*/temp*|temp?", "tempb", true },
        { "# comment|*/temp*|*/*/temp*|temp?", "temp", false },
        { "# comment|*/temp*|*/*/temp*|temp?", "temporary.txt", false },
        { "# comment|*/temp*|*/*/temp*|temp?", "a/b/c/temporary.txt", false },
        { "# comment|*/temp*|*/*/temp*|temp?", "comment", false },
        { "**/*.go", "main.go", true },
        { "**/*.go", "cmd/app/main.go", true },
        { "**/*.go", "main.gox", false },
        { "*.md|!README.md", "CHANGELOG.md", true },
        { "*.md|!README.md", "README.md", false },
        { "*.md|!README.md", "docs/guide.md", false },
        { "*.md|!README*.md|README-secret.md", "README-secret.md", true },
        { "*.md|!README*.md|README-secret.md", "README-public.md", false },
        { "*.md|!README*.md|README-secret.md", "NOTES.md", true },
        { "*.md|README-secret.md|!README*.md", "README-secret.md", false },
        { "*.md|README-secret.md|!README*.md", "README.md", false },
        { "*.md|README-secret.md|!README*.md", "OTHER.md", true },

        // Cleaning: leading '/', './', trailing '/', '..' inside, whitespace.
        { "/secret", "secret", true },
        { "./secret", "secret", true },
        { "secret/", "secret/key", true },
        { "  secret  ", "secret", true },
        { "a/../secret", "secret", true },
        { "*|! /keep", "keep", false },
        { "*|!./keep", "keep", false },
        { " # not a comment", "# not a comment", true },
        { "#secret", "secret", false },
        { "\uFEFFsecret", "secret", true },
        { "secret\r", "secret", true },

        // Parent directories and last match wins.
        { "node_modules", "node_modules/a/b/c.js", true },
        { "node_modules", "src/node_modules/x", false },
        { "**/node_modules", "src/node_modules/x", true },
        { "build|!build/keep.txt", "build/keep.txt", false },
        { "build|!build/keep.txt", "build/other.txt", true },
        { "!build/keep.txt|build", "build/keep.txt", true },
        { "*|!src|src/*.tmp", "src/a.tmp", true },
        { "*|!src|src/*.tmp", "src/a.cs", false },
        { "*|!src|src/*.tmp", "src/sub/a.tmp", false },
        { "*", "anything/at/all", true },

        // ** forms.
        { "**", "a/b/c", true },
        { "a/**", "a/b/c", true },
        { "a/**", "a", false },
        { "a/**/b", "a/b", true },
        { "a/**/b", "a/x/y/b", true },
        { "a/**/b", "a/x/yb", false },
        { "**foo", "barfoo", true },
        { "**/foo", "barfoo", false },
        { "**/foo", "foo", true },
        { "a*/**", "ab/c", true },
        { "a**b", "a/x/b", true },

        // Go filepath.Match syntax.
        { "file?.txt", "file1.txt", true },
        { "file?.txt", "file/.txt", false },
        { "*.txt", "dir/a.txt", false },
        { "[abc].txt", "b.txt", true },
        { "[abc].txt", "d.txt", false },
        { "[^abc].txt", "d.txt", true },
        { "[a-c]x", "bx", true },
        { "[z-a]x", "bx", false },
        { "[\\]]", "]", true },
        { "\\*", "*", true },
        { "\\*", "a", false },
        { "a.b", "axb", false },
        { "a+(b){c}$", "a+(b){c}$", true },
        { "a^b", "a^b", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void IsExcluded_WhenPatternsApplied_FollowsDockerRules(string text, string path, bool excluded)
    {
        IgnoreMatcher matcher = IgnoreMatcher.Parse(text.Replace('|', '\n'));

        Assert.Equal(excluded, matcher.IsExcluded(path));
    }

    [Theory]
    [InlineData("[abc")]
    [InlineData("[]")]
    [InlineData("[a-]")]
    [InlineData("abc\\")]
    [InlineData("!")]
    [InlineData("ok\n[")]
    public void Parse_WhenPatternMalformed_ThrowsNamingLine(string text)
    {
        var e = Assert.Throws<SourceException>(() => IgnoreMatcher.Parse(text, ".containerignore"));

        Assert.StartsWith("The .containerignore file has an invalid pattern on line ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("build", "build", false)]
    [InlineData("build|!build/keep.txt", "build", true)]
    [InlineData("build|!build/keep.txt", "other", false)]
    [InlineData("build|!build/sub/keep.txt", "build/sub", true)]
    [InlineData("build|!build/sub/keep.txt", "build/else", false)]
    [InlineData("build|!**/keep.txt", "build/deep/er", true)]
    [InlineData("build|!b*/keep.txt", "build", true)]
    [InlineData("build|!keep.txt", "build", false)]
    public void MayIncludeInside_WhenExceptionsExist_IsTrueOnlyIfOneCouldMatchBelow(string text, string directory, bool expected)
    {
        IgnoreMatcher matcher = IgnoreMatcher.Parse(text.Replace('|', '\n'));

        Assert.Equal(expected, matcher.MayIncludeInside(directory));
    }

    [Fact]
    public void IsExcluded_WhenPathLongAndPatternsAdversarial_StaysFast()
    {
        IgnoreMatcher matcher = IgnoreMatcher.Parse(string.Join('\n', Enumerable.Repeat("**/*a*a*a*a*a*a*a*a*b", 50)));
        string path = string.Join('/', Enumerable.Repeat(new string('a', 200), 20));

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(matcher.IsExcluded(path));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public void Empty_WhenAsked_ExcludesNothing()
    {
        Assert.False(IgnoreMatcher.Empty.IsExcluded("anything"));
        Assert.Empty(IgnoreMatcher.Parse("# only a comment\n\n").Patterns);
    }
}
