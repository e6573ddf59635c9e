using Ascai.Graph;
using static TorchSharp.torch;

namespace Ascai.Data;

/// <summary>Light training augmentation: a random shift of up to <paramref name="Padding"/> pixels (zero fill) and an optional horizontal flip.</summary>
public sealed record Augmentation(int Padding, bool HorizontalFlip)
{
    /// <summary>The default for small images: shift by up to 2 pixels (28x28) or 4 (32x32), with flips.</summary>
    public static Augmentation For(Shape input) => new(input.Height >= 32 ? 4 : 2, true);
}

/// <summary>
/// Turns image indices into normalised float batches (N, C, H, W) and label batches (N), optionally shuffled
/// and augmented with a seeded generator. The bytes-to-float conversion and augmentation run in managed code,
/// one pass per batch, which costs far less than the forward pass.
/// </summary>
public sealed class BatchLoader(ImageDataset data, Normalization normalization)
{
    /// <summary>Batches over <paramref name="indices"/>; each batch's tensors belong to the caller's dispose scope.</summary>
    public IEnumerable<(Tensor Images, Tensor Labels)> Batches(IReadOnlyList<int> indices, int batchSize,
        Random? shuffle = null, Augmentation? augmentation = null)
    {
        var order = indices.ToArray();
        shuffle?.Shuffle(order);
        foreach (var batch in Chunks(order, batchSize)) yield return Make(batch, shuffle, augmentation);
    }

    // Consecutive runs of batchSize indices (the last one shorter).
    private static IEnumerable<int[]> Chunks(int[] order, int batchSize)
    {
        if (batchSize < 1) throw new AscaiException($"batch size must be at least 1, got {batchSize}");
        for (int start = 0; start < order.Length; start += batchSize)
            yield return order.AsSpan(start, Math.Min(batchSize, order.Length - start)).ToArray();
    }

    /// <summary>One batch of the given images, not augmented.</summary>
    public (Tensor Images, Tensor Labels) Make(IReadOnlyList<int> batch) => Make(batch.ToArray(), null, null);

    /// <summary>
    /// Batches to keep for many passes: the pixels as the source holds them (bytes, a quarter of the memory of
    /// normalised floats; floats are normalised here), which <see cref="Normalise"/> turns into exactly what
    /// <see cref="Batches"/> gives. The tensors belong to the caller's dispose scope.
    /// </summary>
    public IEnumerable<(Tensor Pixels, Tensor Labels)> StoredBatches(IReadOnlyList<int> indices, int batchSize)
    {
        if (data.HoldsFloats)
        {
            foreach (var batch in Batches(indices, batchSize)) yield return batch;
            yield break;
        }
        foreach (var batch in Chunks(indices.ToArray(), batchSize))
        {
            var raw = new byte[batch.Length * data.ImageSize];
            data.Read(batch, raw);
            yield return (tensor(raw, [batch.Length, data.Channels, data.Height, data.Width]), tensor(batch.Select(i => (long)data.Labels[i]).ToArray()));
        }
    }

    /// <summary>
    /// A stored batch (<see cref="StoredBatches"/>) as the model's input, in the caller's dispose scope: bytes normalised by
    /// the same float operations as <see cref="Batches"/> (p * scale + shift), so the two are equal to the bit; floats, a
    /// view of themselves.
    /// </summary>
    public Tensor Normalise(Tensor pixels)
    {
        if (pixels.dtype != ScalarType.Byte) return pixels.alias();
        var (scale, shift) = Affine(255f);
        var shape = new long[] { 1, data.Channels, 1, 1 };
        return pixels.to_type(ScalarType.Float32).mul_(tensor(scale, shape)).add_(tensor(shift, shape));
    }

    // Pixels p become (p / max - mean) / std = p * scale + shift, max being 255 for bytes and 1 for floats.
    private (float[] Scale, float[] Shift) Affine(float max)
    {
        var scale = new float[data.Channels];
        var shift = new float[data.Channels];
        for (int ch = 0; ch < scale.Length; ch++)
        {
            scale[ch] = 1f / (max * normalization.Std[ch]);
            shift[ch] = -normalization.Mean[ch] / normalization.Std[ch];
        }
        return (scale, shift);
    }

    private (Tensor Images, Tensor Labels) Make(int[] batch, Random? random, Augmentation? augmentation)
    {
        int c = data.Channels, size = data.ImageSize;
        var values = new float[batch.Length * size];
        var labels = new long[batch.Length];
        var (scale, shift) = Affine(data.HoldsFloats ? 1f : 255f);
        // The augmentation draws come first and in image order, whatever the source, so a seed gives one result.
        var moves = new (int Dy, int Dx, bool Flip)[batch.Length];
        for (int b = 0; b < batch.Length; b++)
        {
            labels[b] = data.Labels[batch[b]];
            if (augmentation is not null && random is not null)
                moves[b] = (random.Next(-augmentation.Padding, augmentation.Padding + 1), random.Next(-augmentation.Padding, augmentation.Padding + 1),
                    augmentation.HorizontalFlip && random.Next(2) == 1);
        }
        if (data.HoldsFloats)
        {
            var raw = new float[values.Length];
            data.ReadFloats(batch, raw);
            Convert<float>(raw, values, moves, scale, shift);
        }
        else
        {
            var raw = new byte[values.Length];
            data.Read(batch, raw);
            Convert<byte>(raw, values, moves, scale, shift);
        }
        return (tensor(values, [batch.Length, c, data.Height, data.Width]), tensor(labels));
    }

    private void Convert<T>(ReadOnlySpan<T> raw, Span<float> values, (int Dy, int Dx, bool Flip)[] moves, float[] scale, float[] shift)
        where T : unmanaged, System.Numerics.INumberBase<T>
    {
        int c = data.Channels, h = data.Height, w = data.Width, size = data.ImageSize;
        for (int b = 0; b < moves.Length; b++)
        {
            var (dy, dx, flip) = moves[b];
            var source = raw.Slice(b * size, size);
            var target = values.Slice(b * size, size);
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < h; y++)
                {
                    int sy = y + dy;
                    for (int x = 0; x < w; x++)
                    {
                        int sx = (flip ? w - 1 - x : x) + dx;
                        // Out-of-image pixels are black (0) before normalisation, as zero padding before the crop.
                        float pixel = sy >= 0 && sy < h && sx >= 0 && sx < w ? float.CreateTruncating(source[(ch * h + sy) * w + sx]) : 0f;
                        target[(ch * h + y) * w + x] = pixel * scale[ch] + shift[ch];
                    }
                }
        }
    }
}
