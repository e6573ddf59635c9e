namespace Ascai.Data;

/// <summary>
/// Images as bytes (N x C x H x W, row-major, 0..255) with one label each. Kept as bytes in managed memory:
/// 4x smaller than floats, and batches are converted on demand.
/// </summary>
public sealed class ImageDataset
{
    /// <summary>Creates a dataset after checking that the sizes agree.</summary>
    public ImageDataset(string name, byte[] pixels, byte[] labels, int channels, int height, int width, int numClasses)
    {
        if (pixels.LongLength != (long)labels.Length * channels * height * width)
            throw new AscaiException($"{name}: {labels.Length} labels but {pixels.LongLength} pixel bytes for {channels}x{height}x{width} images");
        int bad = Array.FindIndex(labels, l => l >= numClasses);
        if (bad >= 0) throw new AscaiException($"{name}: label {labels[bad]} of image {bad} is outside 0..{numClasses - 1}");
        (Name, Pixels, Labels, Channels, Height, Width, NumClasses) = (name, pixels, labels, channels, height, width, numClasses);
    }

    /// <summary>Where the data came from (a file or data set name).</summary>
    public string Name { get; }
    /// <summary>Pixels, N x C x H x W.</summary>
    public byte[] Pixels { get; }
    /// <summary>Labels, one per image.</summary>
    public byte[] Labels { get; }
    /// <summary>Channels per image.</summary>
    public int Channels { get; }
    /// <summary>Image height.</summary>
    public int Height { get; }
    /// <summary>Image width.</summary>
    public int Width { get; }
    /// <summary>Number of classes.</summary>
    public int NumClasses { get; }
    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;
    /// <summary>Bytes per image.</summary>
    public int ImageSize => Channels * Height * Width;
}
