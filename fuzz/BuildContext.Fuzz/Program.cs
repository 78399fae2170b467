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
        Action<Stream>? target = args.FirstOrDefault() switch
        {
            "dockerfile" => Text(DockerfileTarget.Run),
            "ignore" => Text(IgnoreTarget.Run),
            "archive" => Bytes(ArchiveTarget.Run),
            _ => null,
        };
        if (target is null)
        {
            Console.Error.WriteLine("usage: QuayBuilder.BuildContext.Fuzz dockerfile|ignore|archive [file]");
            return 2;
        }

        if (args.Length > 1)
        {
            // Replays one input outside AFL (to reproduce a finding).
            using FileStream file = File.OpenRead(args[1]);
            target(file);
            return 0;
        }

        Fuzzer.OutOfProcess.Run(target);
        return 0;
    }

    /// <summary>The text targets see the input decoded as UTF-8.</summary>
    private static Action<Stream> Text(Action<string> run) => stream =>
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        run(reader.ReadToEnd());
    };

    /// <summary>The archive target sees the input's bytes as they are.</summary>
    private static Action<Stream> Bytes(Action<byte[]> run) => stream =>
    {
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        run(bytes.ToArray());
    };
}
