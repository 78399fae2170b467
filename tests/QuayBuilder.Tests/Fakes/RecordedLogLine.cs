namespace QuayBuilder.Tests.Fakes;

/// <summary>A log line the fake manager stored, as Quay's manager would.</summary>
/// <param name="Sequence">The request's sequence number.</param>
/// <param name="Json">The raw <c>log_message</c>.</param>
/// <param name="Text">The value of the first of <c>error</c>, <c>status</c>, <c>stream</c>.</param>
/// <param name="Key">Which key that was ("" when none).</param>
/// <param name="IsCommand">Whether Quay would record it as a step header.</param>
/// <param name="Phase">The request's phase field.</param>
public sealed record RecordedLogLine(int Sequence, string Json, string Text, string Key, bool IsCommand, string Phase);
