namespace Ascai.Data;

/// <summary>
/// Labelled images of one size (C x H x W), read on demand: held in memory (IDX, CIFAR-10, NumPy arrays) or decoded
/// from files (image folders). Pixels are bytes 0..255, or floats on the 0..1 scale for float arrays
/// (<see cref="HoldsFloats"/>); labels are class indices.
/// </summary>
public abstract class ImageDataset
{
    /// <summary>Checks that every label is a class index.</summary>
    protected ImageDataset(string name, int[] labels, int channels, int height, int width, int numClasses, string? labelsName = null)
    {
        if (channels < 1 || height < 1 || width < 1) throw new AscaiException($"{name}: images of {channels}x{height}x{width} pixels");
        int bad = Array.FindIndex(labels, l => l < 0 || l >= numClasses);
        if (bad >= 0) throw new AscaiException($"{labelsName ?? name}: label {labels[bad]} of image {bad} is outside 0..{numClasses - 1}");
        (Name, Labels, Channels, Height, Width, NumClasses) = (name, labels, channels, height, width, numClasses);
    }

    /// <summary>Where the data came from (a file, a folder or a data set name).</summary>
    public string Name { get; }
    /// <summary>Labels, one per image.</summary>
    public int[] Labels { get; }
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
    /// <summary>Values per image.</summary>
    public int ImageSize => Channels * Height * Width;

    /// <summary>Whether pixels are floats on the 0..1 scale (<see cref="ReadFloats"/>) rather than bytes (<see cref="Read"/>).</summary>
    public virtual bool HoldsFloats => false;

    /// <summary>Writes the pixels (C x H x W bytes) of each image of <paramref name="indices"/>, one after the other.</summary>
    public abstract void Read(ReadOnlySpan<int> indices, Span<byte> pixels);

    /// <summary>Writes the pixels (C x H x W floats, 0..1 scale) of each image of <paramref name="indices"/>; only where <see cref="HoldsFloats"/>.</summary>
    public virtual void ReadFloats(ReadOnlySpan<int> indices, Span<float> pixels) =>
        throw new NotSupportedException($"{Name} holds byte pixels");
}

/// <summary>Images held in memory as bytes, N x C x H x W row-major: 4x smaller than floats, converted per batch.</summary>
public sealed class InMemoryImages : ImageDataset
{
    private readonly byte[] _pixels;

    /// <summary>Creates a data set after checking that the sizes agree.</summary>
    public InMemoryImages(string name, byte[] pixels, int[] labels, int channels, int height, int width, int numClasses, string? labelsName = null)
        : base(name, labels, channels, height, width, numClasses, labelsName)
    {
        if (pixels.LongLength != (long)labels.Length * channels * height * width)
            throw new AscaiException($"{name}: {labels.Length} labels but {pixels.LongLength} pixel bytes for {channels}x{height}x{width} images");
        _pixels = pixels;
    }

    /// <summary>Byte labels, as IDX and CIFAR-10 files store them.</summary>
    public InMemoryImages(string name, byte[] pixels, byte[] labels, int channels, int height, int width, int numClasses, string? labelsName = null)
        : this(name, pixels, Array.ConvertAll(labels, l => (int)l), channels, height, width, numClasses, labelsName) { }

    /// <summary>The pixels of image <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Pixels(int index) => _pixels.AsSpan(index * ImageSize, ImageSize);

    /// <inheritdoc/>
    public override void Read(ReadOnlySpan<int> indices, Span<byte> pixels)
    {
        for (int i = 0; i < indices.Length; i++) Pixels(indices[i]).CopyTo(pixels.Slice(i * ImageSize, ImageSize));
    }
}
