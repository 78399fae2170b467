namespace QuayBuilder.BuildContext;

/// <summary>
/// What a context tar carried: regular files and their bytes, and how many entries the ignore
/// file kept out (an excluded directory that was not walked counts once).
/// </summary>
public sealed record ContextTarStats(long Files, long Bytes, long ExcludedEntries);
