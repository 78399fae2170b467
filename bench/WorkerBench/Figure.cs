namespace QuayBuilder.WorkerBench;

/// <summary>One measured figure. <paramref name="Met"/> is null where there is no target (a baseline, a detail).</summary>
internal sealed record Figure(string Section, string Name, string Value, string Target, bool? Met, string Note = "");
