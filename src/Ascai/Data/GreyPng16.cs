using System.Buffers.Binary;
using System.IO.Compression;

namespace Ascai.Data;

/// <summary>
/// 16-bit grey PNGs (colour type 0), read at full depth and clipped to 255 as PIL's "I" mode converts them. SkiaSharp
/// reduces such files to their high byte on decode, whatever the target colour type, so the samples are inflated and
/// unfiltered here (the PNG specification's five filters, 2 bytes per pixel).
/// </summary>
internal static class GreyPng16
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Whether the file's header says 16-bit grey without alpha.</summary>
    public static bool Is(string path)
    {
        if (!Path.GetExtension(path).Equals(".png", StringComparison.OrdinalIgnoreCase)) return false;
        Span<byte> header = stackalloc byte[26];
        using var file = File.OpenRead(path);
        return file.ReadAtLeast(header, 26, throwOnEndOfStream: false) == 26 && header[..8].SequenceEqual(Signature) && header[24] == 16 && header[25] == 0;
    }

    /// <summary>RGBA bytes (grey replicated, opaque), width and height.</summary>
    public static (byte[] Rgba, int Width, int Height) Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int width = 0, height = 0;
        using var compressed = new MemoryStream();
        for (int at = 8; at + 12 <= bytes.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at));
            if (length < 0 || at + 12L + length > bytes.Length) throw new AscaiException($"{path}: truncated PNG chunk");
            var type = bytes.AsSpan(at + 4, 4);
            var data = bytes.AsSpan(at + 8, length);
            if (type.SequenceEqual("IHDR"u8))
            {
                (width, height) = (BinaryPrimitives.ReadInt32BigEndian(data), BinaryPrimitives.ReadInt32BigEndian(data[4..]));
                if (data[12] != 0) throw new AscaiException($"{path}: an interlaced 16-bit grey PNG, which Ascai does not decode (save it without interlacing)");
            }
            else if (type.SequenceEqual("IDAT"u8)) compressed.Write(data);
            else if (type.SequenceEqual("IEND"u8)) break;
            at += 12 + length;
        }
        if (width < 1 || height < 1 || (long)width * height > 1L << 28) throw new AscaiException($"{path}: a PNG of {width}x{height} pixels");
        int stride = 2 * width;
        var rows = new byte[(long)(stride + 1) * height];
        compressed.Position = 0;
        try
        {
            using var inflate = new ZLibStream(compressed, CompressionMode.Decompress);
            if (inflate.ReadAtLeast(rows, rows.Length, throwOnEndOfStream: false) != rows.Length) throw new AscaiException($"{path}: truncated image data");
        }
        catch (InvalidDataException) { throw new AscaiException($"{path}: not a readable image (corrupt)"); }
        var rgba = new byte[4L * width * height];
        var previous = new byte[stride];
        var row = new byte[stride];
        for (int y = 0; y < height; y++)
        {
            int start = y * (stride + 1);
            Unfilter(rows[start], rows.AsSpan(start + 1, stride), previous, row, path);
            for (int x = 0; x < width; x++)
            {
                byte v = (byte)Math.Min(255, (int)BinaryPrimitives.ReadUInt16BigEndian(row.AsSpan(2 * x)));
                long o = 4L * (y * (long)width + x);
                (rgba[o], rgba[o + 1], rgba[o + 2], rgba[o + 3]) = (v, v, v, 255);
            }
            (previous, row) = (row, previous);
        }
        return (rgba, width, height);
    }

    // Reverses one row's filter (PNG specification 9.2) with 2 bytes per pixel.
    private static void Unfilter(byte filter, ReadOnlySpan<byte> raw, ReadOnlySpan<byte> above, Span<byte> row, string path)
    {
        const int bpp = 2;
        for (int i = 0; i < raw.Length; i++)
        {
            int left = i >= bpp ? row[i - bpp] : 0, up = above[i], corner = i >= bpp ? above[i - bpp] : 0;
            row[i] = (byte)(raw[i] + filter switch
            {
                0 => 0,
                1 => left,
                2 => up,
                3 => (left + up) / 2,
                4 => Paeth(left, up, corner),
                _ => throw new AscaiException($"{path}: not a readable image (PNG filter {filter})"),
            });
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
