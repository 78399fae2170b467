using System.Globalization;

namespace QuayBuilder.Podman;

/// <summary>
/// Descendants of a process, read from /proc. Needed because stopping the Podman service
/// does not stop a build's RUN processes: they are re-parented and keep running (measured on
/// Podman 4.3.1, see docs/adr/0005-build-cancellation.md), so they are collected before the stop.
/// </summary>
internal static class ProcessTree
{
    /// <summary>Every living descendant of <paramref name="root"/>, each with its start time so a reused pid is never signalled.</summary>
    internal static IReadOnlyList<(int Pid, long StartTime)> Descendants(int root)
    {
        var children = new Dictionary<int, List<(int Pid, long StartTime)>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            if (ReadStat(pid) is { } stat)
            {
                if (!children.TryGetValue(stat.ParentPid, out var list))
                {
                    children[stat.ParentPid] = list = [];
                }

                list.Add((pid, stat.StartTime));
            }
        }

        var result = new List<(int Pid, long StartTime)>();
        var pending = new Stack<int>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            if (children.TryGetValue(pending.Pop(), out var list))
            {
                foreach (var child in list)
                {
                    result.Add(child);
                    pending.Push(child.Pid);
                }
            }
        }

        return result;
    }

    /// <summary>True when <paramref name="pid"/> still runs the process that started at <paramref name="startTime"/>.</summary>
    internal static bool IsSameProcessAlive(int pid, long startTime) =>
        ReadStat(pid) is { } stat && stat.StartTime == startTime && stat.State != 'Z';

    private static (int ParentPid, long StartTime, char State)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid … starttime(22nd field)"; comm may contain spaces and parentheses.
        var close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        var fields = text[(close + 2)..].Split(' ');
        if (fields.Length < 20
            || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)
            || !long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return null;
        }

        return (parent, start, fields[0][0]);
    }
}
