using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace QuayBuilder.BuildContext;

/// <summary>
/// Decides what a package is from its first bytes. Content-Type is only a hint: storage
/// usually answers application/octet-stream whatever was uploaded.
/// </summary>
internal static class PackageFormatDetector
{
    /// <summary>Enough for the tar magic at offset 257.</summary>
    public const int HeadLength = 512;

    private static ReadOnlySpan<byte> Gzip => [0x1F, 0x8B];
    private static ReadOnlySpan<byte> Bzip2 => "BZh"u8;
    private static ReadOnlySpan<byte> Xz => [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00];
    private static ReadOnlySpan<byte> ZipLocal => [0x50, 0x4B, 0x03, 0x04];
    private static ReadOnlySpan<byte> ZipEmpty => [0x50, 0x4B, 0x05, 0x06];
    private static ReadOnlySpan<byte> Ustar => "ustar"u8;

    /// <param name="head">The first <see cref="HeadLength"/> bytes, or all of them if the package is shorter.</param>
    /// <param name="complete">True when <paramref name="head"/> is the whole package.</param>
    /// <param name="contentType">The Content-Type header, if any.</param>
    public static PackageFormat Detect(ReadOnlySpan<byte> head, bool complete, string? contentType)
    {
        if (head.IsEmpty)
        {
            return new PackageFormat(null, "an empty file") { IsEmpty = true };
        }

        if (head.StartsWith(Gzip))
        {
            return new PackageFormat(PackageFormat.TarGzip, "a gzip-compressed tar archive");
        }

        if (head.StartsWith(Bzip2))
        {
            return new PackageFormat(PackageFormat.TarBzip2, "a bzip2-compressed tar archive");
        }

        if (head.StartsWith(Xz))
        {
            return new PackageFormat(PackageFormat.TarXz, "an xz-compressed tar archive");
        }

        if (head.StartsWith(ZipLocal) || head.StartsWith(ZipEmpty))
        {
            return new PackageFormat(PackageFormat.Zip, "a zip archive");
        }

        if (head.Length >= 262 && head[257..262].SequenceEqual(Ustar))
        {
            return new PackageFormat(PackageFormat.Tar, "a tar archive");
        }

        if (DescribeKnownBinary(head) is { } binary)
        {
            return new PackageFormat(null, binary);
        }

        if (!IsUtf8Text(head, complete))
        {
            return new PackageFormat(null, $"binary data (starting with {Convert.ToHexString(head[..Math.Min(8, head.Length)])})");
        }

        var text = Encoding.UTF8.GetString(head).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (LooksLikeMarkup(text) || (contentType?.Contains("html", StringComparison.OrdinalIgnoreCase) ?? false))
        {
            return new PackageFormat(null, "an HTML page") { IsHtml = true };
        }

        return new PackageFormat(PackageFormat.Dockerfile, "a bare Dockerfile");
    }

    private static bool LooksLikeMarkup(string text) =>
        text.StartsWith("<!doctype html", StringComparison.OrdinalIgnoreCase)
        || text.StartsWith("<html", StringComparison.OrdinalIgnoreCase)
        || text.StartsWith("<head", StringComparison.OrdinalIgnoreCase)
        || text.StartsWith("<body", StringComparison.OrdinalIgnoreCase)
        || text.StartsWith("<?xml", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// UTF-8 without NULs. A multi-byte character cut by the end of the head is fine unless
    /// the head is the whole package.
    /// </summary>
    private static bool IsUtf8Text(ReadOnlySpan<byte> head, bool complete)
    {
        if (head.Contains((byte)0))
        {
            return false;
        }

        var chars = ArrayPool<char>.Shared.Rent(head.Length);
        try
        {
            var status = Utf8.ToUtf16(head, chars, out _, out _, replaceInvalidSequences: false, isFinalBlock: complete);
            return status is OperationStatus.Done or OperationStatus.NeedMoreData;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static string? DescribeKnownBinary(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]))
        {
            return "a 7-Zip archive";
        }

        if (head.StartsWith("Rar!"u8))
        {
            return "a RAR archive";
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x28, 0xB5, 0x2F, 0xFD]))
        {
            return "Zstandard-compressed data";
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x04, 0x22, 0x4D, 0x18]))
        {
            return "LZ4-compressed data";
        }

        if (head.StartsWith("\u007fELF"u8))
        {
            return "an ELF executable";
        }

        if (head.StartsWith("%PDF"u8))
        {
            return "a PDF document";
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47]))
        {
            return "a PNG image";
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return "a JPEG image";
        }

        return null;
    }
}
