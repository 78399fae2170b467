using System.Globalization;

namespace QuayBuilder.WorkerBench;

/// <summary>
/// Collects figures and broken checks. A broken check (a lost line, a failed build) always fails
/// the run; a missed target fails only a full run, where the sizes are the ones the targets mean.
/// </summary>
internal sealed class BenchReport(bool smoke)
{
    private readonly List<Figure> _figures = [];
    private readonly List<string> _broken = [];

    public bool Smoke { get; } = smoke;

    public void Add(Figure figure)
    {
        _figures.Add(figure);
        var verdict = figure.Met switch { true => "met", false => "MISSED", null => string.Empty };
        var judged = figure.Met is null ? string.Empty : Smoke ? ", not judged in --smoke" : $": {verdict}";
        Console.WriteLine($"  {figure.Name}: {figure.Value}{(figure.Target.Length > 0 ? $"  (target {figure.Target}{judged})" : string.Empty)}{(figure.Note.Length > 0 ? "  — " + figure.Note : string.Empty)}");
    }

    /// <summary>Records a broken check (correctness, not speed).</summary>
    public bool Check(bool ok, string what)
    {
        if (!ok)
        {
            _broken.Add(what);
            Console.WriteLine($"  BROKEN: {what}");
        }

        return ok;
    }

    // The targets are the shipped (AOT) worker's; the JIT build is shown beside it, not judged.
    public static string TargetFor(string kind, string target) => kind == "AOT" ? target : $"({target} is for AOT)";

    public static bool? JudgeFor(string kind, bool met) => kind == "AOT" ? met : null;

    public static string Format(double value, string format = "0.0") => value.ToString(format, CultureInfo.InvariantCulture);

    public static double Median(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Prints the Markdown table bench/README.md keeps; returns the exit code.</summary>
    public int Finish()
    {
        Console.WriteLine();
        Console.WriteLine("| # | figure | measured | target | verdict |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var f in _figures)
        {
            var verdict = f.Met switch { null => "—", true => "met", false => "**missed**" };
            if (Smoke && f.Met is not null)
            {
                verdict = "(smoke)";
            }

            Console.WriteLine($"| {f.Section} | {f.Name} | {f.Value}{(f.Note.Length > 0 ? " (" + f.Note + ")" : string.Empty)} | {f.Target} | {verdict} |");
        }

        Console.WriteLine();
        if (_broken.Count > 0)
        {
            Console.WriteLine($"worker bench: {_broken.Count} check(s) BROKEN:");
            foreach (var b in _broken)
            {
                Console.WriteLine("  - " + b);
            }

            return 1;
        }

        var missed = _figures.Where(f => f.Met == false).ToList();
        if (!Smoke && missed.Count > 0)
        {
            Console.WriteLine($"worker bench: every check held; {missed.Count} target(s) MISSED: {string.Join("; ", missed.Select(m => m.Name))}");
            return 3;
        }

        Console.WriteLine("worker bench: every check held" + (Smoke ? " (smoke: targets not judged)" : ", every target met"));
        return 0;
    }
}
