using System.Security.Authentication;

namespace QuayBuilder.Diagnostics;

/// <summary>What a failed connection's exception chain says, for one line of output.</summary>
internal static class FailureChain
{
    /// <summary>The TLS failure somewhere in the chain: gRPC and HttpClient both wrap it.</summary>
    public static AuthenticationException? FindTls(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is AuthenticationException tls)
            {
                return tls;
            }
        }

        return null;
    }

    /// <summary>The message and its immediate cause, which usually names the real reason (refused, untrusted root).</summary>
    public static string Describe(Exception e) => e.InnerException is null ? e.Message : $"{e.Message}: {e.InnerException.Message}";
}
