using System.Text;
using QuayBuilder.BuildContext;
using SharpFuzz;

namespace QuayBuilder.BuildContext.Fuzz;

/// <summary>
/// AFL entry point. A <see cref="SourceException"/> is an expected answer to bad input; any other
/// exception, a hang, or a broken invariant below is a finding.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        Action<string> target = args.FirstOrDefault() switch
        {
            "dockerfile" => DockerfileTarget.Run,
            "ignore" => IgnoreTarget.Run,
            _ => null!,
        };
        if (target is null)
        {
            Console.Error.WriteLine("usage: QuayBuilder.BuildContext.Fuzz dockerfile|ignore [file]");
            return 2;
        }

        if (args.Length > 1)
        {
            // Replays one input outside AFL (to reproduce a finding).
            target(File.ReadAllText(args[1]));
            return 0;
        }

        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            target(reader.ReadToEnd());
        });
        return 0;
    }
}
