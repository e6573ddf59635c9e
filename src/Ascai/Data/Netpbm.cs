using System.Text;

namespace Ascai.Data;

/// <summary>
/// PPM and PGM images (Netpbm's P6 and P5, binary, and P3 and P2, plain text), which torchvision's ImageFolder lists and
/// SkiaSharp does not decode. No library decodes them for .NET, and the format is a header of four numbers before the
/// samples. Samples above 8 bits (a maximum above 255) are clipped to 255, as PIL's conversion of its 32-bit mode does.
/// </summary>
internal static class Netpbm
{
    /// <summary>Width, height and whether it is grey (P5/P2), from its header.</summary>
    public static (int Width, int Height, bool Grey) Probe(string path)
    {
        var (magic, w, h, _, _) = Header(Bytes(path), path);
        return (w, h, magic is '5' or '2');
    }

    /// <summary>RGBA bytes, width and height.</summary>
    public static (byte[] Rgba, int Width, int Height) Read(string path)
    {
        byte[] bytes = Bytes(path);
        var (magic, w, h, max, at) = Header(bytes, path);
        int channels = magic is '6' or '3' ? 3 : 1;
        long samples = (long)w * h * channels;
        var values = new int[samples];
        if (magic is '5' or '6')
        {
            int size = max > 255 ? 2 : 1;
            if (bytes.Length - at < samples * size) throw new AscaiException($"{path}: truncated image data ({bytes.Length - at} bytes for {w}x{h}x{channels} samples)");
            for (long i = 0; i < samples; i++)
                values[i] = size == 1 ? bytes[at + i] : bytes[at + 2 * i] << 8 | bytes[at + 2 * i + 1];
        }
        else
        {
            for (long i = 0; i < samples; i++)
                values[i] = Number(bytes, ref at, path) ?? throw new AscaiException($"{path}: truncated image data");
        }
        var rgba = new byte[checked(4 * w * h)];
        for (int i = 0; i < w * h; i++)
        {
            for (int c = 0; c < 3; c++) rgba[4 * i + c] = (byte)Math.Min(255, values[channels == 3 ? 3 * i + c : i]);
            rgba[4 * i + 3] = 255;
        }
        return (rgba, w, h);
    }

    private static byte[] Bytes(string path)
    {
        try { return File.ReadAllBytes(path); }
        catch (IOException e) { throw new AscaiException($"{path}: cannot be read ({e.Message})"); }
    }

    // Magic (the digit of P1-P6), width, height, maximum sample and where the samples start.
    private static (char Magic, int Width, int Height, int Max, int Start) Header(byte[] bytes, string path)
    {
        if (bytes.Length < 2 || bytes[0] != 'P' || bytes[1] is not ((byte)'2' or (byte)'3' or (byte)'5' or (byte)'6'))
            throw new AscaiException($"{path}: not a PPM or PGM image (P2, P3, P5 or P6)");
        int at = 2;
        int? w = Number(bytes, ref at, path), h = Number(bytes, ref at, path), max = Number(bytes, ref at, path);
        if (w is not (>= 1 and <= 1 << 16) || h is not (>= 1 and <= 1 << 16)) throw new AscaiException($"{path}: image size {w}x{h} is not one of an image");
        if (max is not (>= 1 and <= 65535)) throw new AscaiException($"{path}: maximum sample {max} is not in [1, 65535]");
        return ((char)bytes[1], w.Value, h.Value, max.Value, at + 1); // one whitespace byte ends the header
    }

    // The next decimal number, skipping whitespace and # comments; `at` is left on the byte after it.
    private static int? Number(byte[] bytes, ref int at, string path)
    {
        while (at < bytes.Length)
        {
            if (bytes[at] == '#') while (at < bytes.Length && bytes[at] != '\n') at++;
            else if (char.IsWhiteSpace((char)bytes[at])) at++;
            else break;
        }
        int start = at;
        long value = 0;
        while (at < bytes.Length && bytes[at] is >= (byte)'0' and <= (byte)'9')
        {
            value = value * 10 + (bytes[at++] - '0');
            if (value > int.MaxValue) throw new AscaiException($"{path}: number {Encoding.ASCII.GetString(bytes, start, at - start)}... too large");
        }
        return at == start ? null : (int)value;
    }
}
