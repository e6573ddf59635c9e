using BitMiracle.LibTiff.Classic;

namespace Ascai.Data;

/// <summary>TIFF images, which torchvision's ImageFolder lists and SkiaSharp does not decode, read with LibTiff.NET as 8-bit RGBA.</summary>
internal static class TiffImages
{
    /// <summary>Width, height and whether it stores one sample per pixel (grey).</summary>
    public static (int Width, int Height, bool Grey) Probe(string path)
    {
        using var tiff = Open(path);
        return (tiff.GetField(TiffTag.IMAGEWIDTH)[0].ToInt(), tiff.GetField(TiffTag.IMAGELENGTH)[0].ToInt(),
            (tiff.GetField(TiffTag.SAMPLESPERPIXEL)?[0].ToInt() ?? 1) == 1);
    }

    /// <summary>RGBA bytes, width and height of the first image of the file.</summary>
    public static (byte[] Rgba, int Width, int Height) Read(string path)
    {
        using var tiff = Open(path);
        int w = tiff.GetField(TiffTag.IMAGEWIDTH)[0].ToInt(), h = tiff.GetField(TiffTag.IMAGELENGTH)[0].ToInt();
        if (w < 1 || h < 1 || (long)w * h > 1L << 28) throw new AscaiException($"{path}: image size {w}x{h} is not one of an image");
        var raster = new int[w * h];
        if (!tiff.ReadRGBAImageOriented(w, h, raster, Orientation.TOPLEFT)) throw new AscaiException($"{path}: not a readable TIFF image");
        var rgba = new byte[4 * w * h];
        for (int i = 0; i < raster.Length; i++)
            (rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2], rgba[4 * i + 3]) = ((byte)Tiff.GetR(raster[i]), (byte)Tiff.GetG(raster[i]), (byte)Tiff.GetB(raster[i]), 255);
        return (rgba, w, h);
    }

    private static Tiff Open(string path)
    {
        // LibTiff reports problems on stderr through its error handler; Ascai reports them as one error instead.
        Tiff.SetErrorHandler(new Quiet());
        return Tiff.Open(path, "r") ?? throw new AscaiException($"{path}: not a readable TIFF image");
    }

    private sealed class Quiet : TiffErrorHandler
    {
        public override void ErrorHandler(Tiff tif, string method, string format, params object[] args) { }
        public override void WarningHandler(Tiff tif, string method, string format, params object[] args) { }
    }
}
