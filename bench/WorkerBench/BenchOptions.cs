namespace QuayBuilder.WorkerBench;

/// <summary>What bench/run hands the driver.</summary>
/// <param name="Smoke">Tiny sizes, a few runs: proves every path works in seconds; targets are printed, not judged.</param>
/// <param name="AotBinary">The published native-AOT worker.</param>
/// <param name="JitBinary">The same worker published framework-dependent (JIT), or null to skip it.</param>
/// <param name="WorkDirectory">Generated contexts and worker work directories.</param>
internal sealed record BenchOptions(bool Smoke, string AotBinary, string? JitBinary, string WorkDirectory)
{
    public static BenchOptions Parse(string[] args)
    {
        bool smoke = false;
        string? aot = null, jit = null, work = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--smoke": smoke = true; break;
                case "--aot": aot = Value(args, ++i); break;
                case "--jit": jit = Value(args, ++i); break;
                case "--work": work = Value(args, ++i); break;
                default: throw new ArgumentException($"unknown argument '{args[i]}'; usage: WorkerBench --aot BINARY [--jit BINARY] [--work DIR] [--smoke]");
            }
        }

        if (aot is null || !File.Exists(aot))
        {
            throw new ArgumentException($"--aot must name the published worker binary (scripts/publish makes artifacts/aot/quay-builder); got '{aot}'");
        }

        if (jit is not null && !File.Exists(jit))
        {
            throw new ArgumentException($"--jit names {jit}, which does not exist");
        }

        return new BenchOptions(smoke, aot, jit, work ?? Path.Combine(Path.GetTempPath(), "qb-bench"));
    }

    private static string Value(string[] args, int index) =>
        index < args.Length ? args[index] : throw new ArgumentException($"{args[index - 1]} needs a value");
}
