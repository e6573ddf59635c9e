using SkiaSharp;

namespace Ascai.Data;

/// <summary>
/// Decodes an image file with torchvision's extensions (JPEG, PNG, BMP and WebP with SkiaSharp; PPM and PGM, and TIFF with
/// LibTiff.NET) into 8-bit planes of the model's channel count, converted as torchvision's default loader and
/// <c>transforms.Grayscale</c> do with PIL: colour images are RGB with any alpha dropped (not composited); one channel is
/// PIL's luma, L = (19595 R + 38470 G + 7471 B + 2^15) >> 16; a grey image given to a 3-channel model is replicated; a
/// 16-bit grey image (PNG, PGM) is clipped to 255, as PIL's conversion from its 32-bit mode clips. No colour-space
/// conversion and no EXIF rotation, as PIL's <c>Image.open(...).convert("RGB")</c>.
/// </summary>
public static class ImageDecoder
{
    /// <summary>File extensions decoded (lower case, with the dot): torchvision's <c>IMG_EXTENSIONS</c>, no more and no fewer.</summary>
    public static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"];

    /// <summary>Width, height and whether the file stores a single grey channel, read from its header only.</summary>
    public static (int Width, int Height, bool Grey) Probe(string path)
    {
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".ppm" or ".pgm": return Netpbm.Probe(path);
            case ".tif" or ".tiff": return TiffImages.Probe(path);
        }
        using var codec = Open(path);
        return (codec.Info.Width, codec.Info.Height, codec.Info.ColorType is SKColorType.Gray8 or SKColorType.Alpha8);
    }

    /// <summary>The image as <paramref name="channels"/> (1 or 3) planes of height x width bytes.</summary>
    public static (byte[] Planes, int Width, int Height) Decode(string path, int channels)
    {
        var (rgba, w, h) = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".ppm" or ".pgm" => Netpbm.Read(path),
            ".tif" or ".tiff" => TiffImages.Read(path),
            _ when GreyPng16.Is(path) => GreyPng16.Read(path),
            _ => Skia(path),
        };
        var planes = new byte[channels * w * h];
        int plane = w * h;
        for (int i = 0, at = 0; i < plane; i++, at += 4)
        {
            byte r = rgba[at], g = rgba[at + 1], b = rgba[at + 2];
            if (channels == 1) planes[i] = (byte)((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
            else (planes[i], planes[plane + i], planes[2 * plane + i]) = (r, g, b);
        }
        return (planes, w, h);
    }

    // RGBA bytes of a file SkiaSharp decodes.
    private static (byte[] Rgba, int Width, int Height) Skia(string path)
    {
        using var codec = Open(path);
        int w = codec.Info.Width, h = codec.Info.Height;
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[checked(4 * w * h)];
        SKCodecResult result;
        unsafe
        {
            fixed (byte* p = rgba) result = codec.GetPixels(info, (IntPtr)p);
        }
        if (result != SKCodecResult.Success) throw new AscaiException($"{path}: not a readable image ({Reason(result)})");
        return (rgba, w, h);
    }

    private static string Reason(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "truncated",
        SKCodecResult.Unimplemented => "a format or variant SkiaSharp does not decode",
        SKCodecResult.InvalidInput or SKCodecResult.ErrorInInput => "corrupt",
        _ => result.ToString(),
    };

    private static SKCodec Open(string path)
    {
        SKCodec? codec;
        try
        {
            codec = SKCodec.Create(path, out var result);
            if (codec is null) throw new AscaiException($"{path}: not a readable image ({(File.Exists(path) ? Reason(result) : "missing")})");
        }
        catch (IOException e) { throw new AscaiException($"{path}: cannot be read ({e.Message})"); }
        if (codec.Info.Width < 1 || codec.Info.Height < 1) { codec.Dispose(); throw new AscaiException($"{path}: an image of no pixels"); }
        return codec;
    }
}
