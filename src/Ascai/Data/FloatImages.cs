namespace Ascai.Data;

/// <summary>Images held in memory as floats on the 0..1 scale (N x C x H x W), as a float array dumped from PyTorch holds them.</summary>
public sealed class FloatImages : ImageDataset
{
    private readonly float[] _pixels;

    /// <summary>Creates a data set after checking that the sizes agree.</summary>
    public FloatImages(string name, float[] pixels, int[] labels, int channels, int height, int width, int numClasses, string? labelsName = null)
        : base(name, labels, channels, height, width, numClasses, labelsName)
    {
        if (pixels.LongLength != (long)labels.Length * channels * height * width)
            throw new AscaiException($"{name}: {labels.Length} labels but {pixels.LongLength} values for {channels}x{height}x{width} images");
        int bad = Array.FindIndex(pixels, v => !float.IsFinite(v));
        if (bad >= 0) throw new AscaiException($"{name}: value {pixels[bad]} of image {bad / ImageSize} is not a number");
        _pixels = pixels;
    }

    /// <inheritdoc/>
    public override bool HoldsFloats => true;

    /// <inheritdoc/>
    public override void ReadFloats(ReadOnlySpan<int> indices, Span<float> pixels)
    {
        for (int i = 0; i < indices.Length; i++) _pixels.AsSpan(indices[i] * ImageSize, ImageSize).CopyTo(pixels.Slice(i * ImageSize, ImageSize));
    }

    /// <inheritdoc/>
    public override void Read(ReadOnlySpan<int> indices, Span<byte> pixels) => throw new NotSupportedException($"{Name} holds float pixels");
}
