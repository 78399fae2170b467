namespace QuayBuilder.Diagnostics;

/// <summary>
/// One line of <c>quay-builder check</c> output. A failing line's message says what is wrong and
/// what to do; no line ever carries a secret's value.
/// </summary>
internal sealed record CheckLine(CheckStatus Status, string Name, string Message)
{
    public static CheckLine Ok(string name, string message) => new(CheckStatus.Ok, name, message);

    public static CheckLine Warn(string name, string message) => new(CheckStatus.Warn, name, message);

    public static CheckLine Fail(string name, string message) => new(CheckStatus.Fail, name, message);

    public static CheckLine Skip(string name, string message) => new(CheckStatus.Skip, name, message);

    /// <summary>Fixed columns, so operators can grep for <c>^FAIL</c> and read the names as a column.</summary>
    public override string ToString()
    {
        var status = Status switch
        {
            CheckStatus.Ok => "ok",
            CheckStatus.Warn => "warn",
            CheckStatus.Fail => "FAIL",
            _ => "skip",
        };
        return $"{status,-5}{Name,-9}{Message}";
    }
}
