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
        if (batchSize < 1) throw new AscaiException($"batch size must be at least 1, got {batchSize}");
        var order = indices.ToArray();
        shuffle?.Shuffle(order);
        for (int start = 0; start < order.Length; start += batchSize)
        {
            var batch = order.AsSpan(start, Math.Min(batchSize, order.Length - start)).ToArray();
            yield return Make(batch, shuffle, augmentation);
        }
    }

    /// <summary>One batch of the given images, not augmented.</summary>
    public (Tensor Images, Tensor Labels) Make(IReadOnlyList<int> batch) => Make(batch.ToArray(), null, null);

    private (Tensor Images, Tensor Labels) Make(int[] batch, Random? random, Augmentation? augmentation)
    {
        int c = data.Channels, h = data.Height, w = data.Width, size = data.ImageSize;
        var values = new float[batch.Length * size];
        var labels = new long[batch.Length];
        var scale = new float[c];
        var shift = new float[c];
        for (int ch = 0; ch < c; ch++)
        {
            scale[ch] = 1f / (255f * normalization.Std[ch]);
            shift[ch] = -normalization.Mean[ch] / normalization.Std[ch];
        }
        for (int b = 0; b < batch.Length; b++)
        {
            int i = batch[b];
            labels[b] = data.Labels[i];
            int dy = 0, dx = 0;
            bool flip = false;
            if (augmentation is not null && random is not null)
            {
                dy = random.Next(-augmentation.Padding, augmentation.Padding + 1);
                dx = random.Next(-augmentation.Padding, augmentation.Padding + 1);
                flip = augmentation.HorizontalFlip && random.Next(2) == 1;
            }
            var source = data.Pixels.AsSpan(i * size, size);
            var target = values.AsSpan(b * size, size);
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < h; y++)
                {
                    int sy = y + dy;
                    for (int x = 0; x < w; x++)
                    {
                        int sx = (flip ? w - 1 - x : x) + dx;
                        // Out-of-image pixels are black (0) before normalisation, as zero padding before the crop.
                        byte pixel = sy >= 0 && sy < h && sx >= 0 && sx < w ? source[(ch * h + sy) * w + sx] : (byte)0;
                        target[(ch * h + y) * w + x] = pixel * scale[ch] + shift[ch];
                    }
                }
        }
        return (tensor(values, [batch.Length, c, h, w]), tensor(labels));
    }
}
