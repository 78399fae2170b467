namespace QuayBuilder.Cli;

/// <summary>The text of `quay-builder --help`.</summary>
internal static class Usage
{
    public const string Text = """
        Usage:
          quay-builder              Worker mode: register with Quay's build manager (SERVER, TOKEN, ...)
                                    and build the one job it hands out. Configured by environment
                                    variables; see the README's configuration section.
          quay-builder version      Print the version, commit and runtime.
          quay-builder --help       Show this text.

        Exit status: 0 build complete, 1 build failed, 2 configuration error,
        3 registration failed, 4 job gone (expired or cancelled), 5 infrastructure failure,
        6 cancelled (SIGTERM/SIGINT).
        """;
}
