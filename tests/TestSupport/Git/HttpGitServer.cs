using System.Diagnostics;
using System.Net;

namespace QuayBuilder.TestSupport;

/// <summary>
/// Git's smart HTTP protocol on loopback: an HttpListener that hands each request to
/// <c>git http-backend</c> as CGI (passing the Git-Protocol header, so v2 works as on GitHub).
/// When <see cref="RequireAuthentication"/> is set it answers 401 to everything, as a private
/// repository does to a request without credentials.
/// </summary>
public sealed class HttpGitServer : LoopbackHttpListener
{
    private readonly string _projectRoot;

    public HttpGitServer(string projectRoot)
    {
        _projectRoot = projectRoot;
        StartServing();
    }

    public bool RequireAuthentication { get; init; }

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            if (RequireAuthentication)
            {
                context.Response.StatusCode = 401;
                context.Response.AddHeader("WWW-Authenticate", "Basic realm=\"git\"");
                context.Response.Close();
                return;
            }

            var startInfo = new ProcessStartInfo("git", ["http-backend"])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            startInfo.Environment["GIT_PROJECT_ROOT"] = _projectRoot;
            startInfo.Environment["GIT_HTTP_EXPORT_ALL"] = "1";
            startInfo.Environment["REQUEST_METHOD"] = context.Request.HttpMethod;
            startInfo.Environment["PATH_INFO"] = context.Request.Url!.AbsolutePath;
            startInfo.Environment["QUERY_STRING"] = context.Request.Url.Query.TrimStart('?');
            startInfo.Environment["CONTENT_TYPE"] = context.Request.ContentType ?? string.Empty;
            startInfo.Environment["REMOTE_ADDR"] = "127.0.0.1";
            startInfo.Environment["GIT_PROTOCOL"] = context.Request.Headers["Git-Protocol"] ?? string.Empty;
            if (context.Request.Headers["Content-Encoding"] is { } encoding)
            {
                startInfo.Environment["HTTP_CONTENT_ENCODING"] = encoding;
            }

            using var backend = Process.Start(startInfo)!;
            await context.Request.InputStream.CopyToAsync(backend.StandardInput.BaseStream);
            backend.StandardInput.Close();

            // CGI: header lines, a blank line, then the body.
            Stream output = backend.StandardOutput.BaseStream;
            string? line;
            while (!string.IsNullOrEmpty(line = ReadHeaderLine(output)))
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                string name = line[..colon].Trim();
                string value = line[(colon + 1)..].Trim();
                if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.StatusCode = int.Parse(value.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                }
                else
                {
                    context.Response.AddHeader(name, value);
                }
            }

            await output.CopyToAsync(context.Response.OutputStream);
            await backend.WaitForExitAsync();
            context.Response.Close();
        }
        catch (Exception e) when (e is IOException or HttpListenerException or ObjectDisposedException)
        {
        }
    }

    private static string? ReadHeaderLine(Stream stream)
    {
        var bytes = new List<byte>();
        int b;
        while ((b = stream.ReadByte()) >= 0 && b != '\n')
        {
            if (b != '\r')
            {
                bytes.Add((byte)b);
            }
        }

        return b < 0 && bytes.Count == 0 ? null : System.Text.Encoding.ASCII.GetString([.. bytes]);
    }
}
