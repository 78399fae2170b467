using System.Text;
using QuayBuilder.Configuration;

namespace QuayBuilder.Local;

/// <summary>
/// Reads local mode's secrets from where they may come from: a file named on the command line,
/// or a prompt on the terminal with echo off. Never from argv, never echoed, never in an error.
/// </summary>
internal static class SecretReader
{
    /// <summary>The file's content without the trailing newline an editor or `echo` leaves.</summary>
    public static async Task<string> ReadFileAsync(string path, string option, CancellationToken cancellationToken)
    {
        try
        {
            var text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
            return text.TrimEnd('\r', '\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // e.Message names the path and the OS error, never the content.
            throw new ConfigurationException($"local: could not read {option} '{path}': {e.Message} Give a readable file that holds only the secret.");
        }
    }

    /// <summary>Asks on the terminal (prompt on stderr), echo off. Only call when stdin is a terminal.</summary>
    public static string Prompt(string prompt)
    {
        Console.Error.Write(prompt);
        var secret = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (secret.Length > 0)
                {
                    secret.Length--;
                }

                continue;
            }

            if (!char.IsControl(key.KeyChar))
            {
                secret.Append(key.KeyChar);
            }
        }

        Console.Error.WriteLine();
        return secret.ToString();
    }
}
