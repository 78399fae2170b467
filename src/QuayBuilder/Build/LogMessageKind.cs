namespace QuayBuilder.Build;

/// <summary>The three shapes of Docker's stream vocabulary the manager understands.</summary>
internal enum LogMessageKind
{
    /// <summary><c>{"stream": "text\n"}</c>: build output.</summary>
    Stream,

    /// <summary><c>{"status": "...", "id": "...", "progressDetail": {...}}</c>: pull/push progress.</summary>
    Status,

    /// <summary><c>{"error": "..."}</c>: a failure.</summary>
    Error,
}
