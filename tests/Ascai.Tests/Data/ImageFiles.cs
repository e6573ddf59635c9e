using Ascai.Data;
using SkiaSharp;

namespace Ascai.Tests.Data;

/// <summary>Writes images and image folders for the data tests (PNG through SkiaSharp, lossless).</summary>
internal static class ImageFiles
{
    /// <summary>Writes C x H x W planes (C = 1: a grey PNG; 3: RGB) as a PNG.</summary>
    public static void WritePng(string path, ReadOnlySpan<byte> planes, int channels, int height, int width)
    {
        var info = new SKImageInfo(width, height, channels == 1 ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        var pixels = bitmap.GetPixelSpan();
        int plane = height * width;
        for (int i = 0; i < plane; i++)
        {
            if (channels == 1) { pixels[i] = planes[i]; continue; }
            (pixels[4 * i], pixels[4 * i + 1], pixels[4 * i + 2], pixels[4 * i + 3]) = (planes[i], planes[plane + i], planes[2 * plane + i], 255);
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>
    /// Writes the images <paramref name="indices"/> of <paramref name="data"/> as <c>dir/CLASS/NNNNN.png</c>, class names
    /// from <paramref name="classes"/>, file names the position in <paramref name="indices"/> (so sorted = given order).
    /// </summary>
    public static void WriteFolder(string dir, InMemoryImages data, IReadOnlyList<int> indices, string[] classes)
    {
        for (int k = 0; k < indices.Count; k++)
            WritePng(Path.Combine(dir, classes[data.Labels[indices[k]]], $"{k:D5}.png"), data.Pixels(indices[k]), data.Channels, data.Height, data.Width);
    }
}
