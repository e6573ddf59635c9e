namespace Ascai.Data;

/// <summary>
/// Bilinear resizing exactly as Pillow does it for 8-bit images (what torchvision's <c>transforms.Resize</c> runs on
/// PIL images): a triangle filter widened by the scale factor when shrinking (so it averages every source pixel, an
/// antialias), coefficients normalised then rounded to 22-bit fixed point, a horizontal pass over the rows the
/// vertical pass needs, then the vertical pass, each rounding to bytes. Written by hand because no image library
/// here resamples like Pillow, and a model trained on Pillow's pixels is judged on the same pixels only this way.
/// </summary>
public static class PillowResize
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>The output size of torchvision's <c>Resize(size)</c>: the shorter side becomes <paramref name="size"/>, the longer keeps the aspect (truncated).</summary>
    public static (int Width, int Height) ShorterSideTo(int width, int height, int size) =>
        width <= height ? (size, (int)((long)size * height / width)) : ((int)((long)size * width / height), size);

    /// <summary>Resizes each of <paramref name="channels"/> planes of <paramref name="width"/> x <paramref name="height"/> to <paramref name="outWidth"/> x <paramref name="outHeight"/>.</summary>
    public static byte[] Resize(byte[] planes, int channels, int width, int height, int outWidth, int outHeight) =>
        outWidth == width && outHeight == height ? planes : Resize(planes, channels, width, height, outWidth, outHeight, 0, 0, outWidth, outHeight);

    /// <summary>
    /// The window (<paramref name="left"/>, <paramref name="top"/>, <paramref name="windowWidth"/> x <paramref name="windowHeight"/>)
    /// of the resized image, computed alone: each output pixel depends only on its own coefficients, so a resize followed by
    /// a crop gives the same bytes at a fraction of the work.
    /// </summary>
    public static byte[] Resize(byte[] planes, int channels, int width, int height, int outWidth, int outHeight, int left, int top, int windowWidth, int windowHeight)
    {
        var (vBounds, vWeights, vSize) = Coefficients(height, outHeight);
        var (hBounds, hWeights, hSize) = Coefficients(width, outWidth);
        bool horizontal = outWidth != width, vertical = outHeight != height;
        // Source rows the vertical pass reads for the window's rows (all of them when there is no vertical pass).
        int first = vertical ? vBounds[2 * top] : top;
        int last = vertical ? vBounds[2 * (top + windowHeight - 1)] + vBounds[2 * (top + windowHeight - 1) + 1] : top + windowHeight;
        var output = new byte[channels * windowWidth * windowHeight];
        var temp = new byte[windowWidth * (last - first)];
        for (int c = 0; c < channels; c++)
        {
            var source = planes.AsSpan(c * width * height, width * height);
            // Horizontal pass over those rows, for the window's columns, as Pillow's ImagingResampleHorizontal_8bpc.
            for (int y = first; y < last; y++)
            {
                var row = source.Slice(y * width, width);
                var into = temp.AsSpan((y - first) * windowWidth, windowWidth);
                for (int x = 0; x < windowWidth; x++)
                {
                    if (!horizontal) { into[x] = row[left + x]; continue; }
                    int ox = left + x, min = hBounds[2 * ox], count = hBounds[2 * ox + 1], sum = 1 << (PrecisionBits - 1);
                    var weights = hWeights.AsSpan(ox * hSize, count);
                    var pixels = row.Slice(min, count);
                    for (int k = 0; k < count; k++) sum += pixels[k] * weights[k];
                    into[x] = Clip(sum);
                }
            }
            var target = output.AsSpan(c * windowWidth * windowHeight, windowWidth * windowHeight);
            for (int y = 0; y < windowHeight; y++)
            {
                var into = target.Slice(y * windowWidth, windowWidth);
                if (!vertical) { temp.AsSpan((top + y - first) * windowWidth, windowWidth).CopyTo(into); continue; }
                int oy = top + y, min = vBounds[2 * oy] - first, count = vBounds[2 * oy + 1];
                var weights = vWeights.AsSpan(oy * vSize, count);
                for (int x = 0; x < windowWidth; x++)
                {
                    int sum = 1 << (PrecisionBits - 1);
                    for (int k = 0; k < count; k++) sum += temp[(min + k) * windowWidth + x] * weights[k];
                    into[x] = Clip(sum);
                }
            }
        }
        return output;
    }

    /// <summary>The offsets of torchvision's <c>CenterCrop</c>: rounded half to even, as Python's round.</summary>
    public static (int Left, int Top) CenterOffsets(int width, int height, int cropWidth, int cropHeight) =>
        ((int)Math.Round((width - cropWidth) / 2.0, MidpointRounding.ToEven), (int)Math.Round((height - cropHeight) / 2.0, MidpointRounding.ToEven));

    /// <summary>torchvision's <c>CenterCrop</c>: the offsets are rounded half to even, as Python's round.</summary>
    public static byte[] CenterCrop(byte[] planes, int channels, int width, int height, int cropWidth, int cropHeight)
    {
        if (cropWidth == width && cropHeight == height) return planes;
        var (left, top) = CenterOffsets(width, height, cropWidth, cropHeight);
        var output = new byte[channels * cropWidth * cropHeight];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < cropHeight; y++)
                planes.AsSpan(c * width * height + (top + y) * width + left, cropWidth).CopyTo(output.AsSpan((c * cropHeight + y) * cropWidth, cropWidth));
        return output;
    }

    // Pillow's precompute_coeffs and normalize_coeffs_8bpc for the bilinear filter (support 1): per output pixel the
    // first source pixel, the count, and the fixed-point weights (kernel size entries each).
    private static (int[] Bounds, int[] Weights, int KernelSize) Coefficients(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize, filterScale = Math.Max(scale, 1.0), support = 1.0 * filterScale;
        int kernel = (int)Math.Ceiling(support) * 2 + 1;
        var bounds = new int[2 * outSize];
        var weights = new int[outSize * kernel];
        var k = new double[kernel];
        for (int x = 0; x < outSize; x++)
        {
            double center = (x + 0.5) * scale, total = 0, ss = 1.0 / filterScale;
            int min = Math.Max((int)(center - support + 0.5), 0);
            int max = Math.Min((int)(center + support + 0.5), inSize) - min;
            for (int i = 0; i < max; i++)
            {
                double w = Triangle((i + min - center + 0.5) * ss);
                k[i] = w;
                total += w;
            }
            for (int i = 0; i < max; i++)
            {
                double w = total != 0 ? k[i] / total : k[i];
                weights[x * kernel + i] = w < 0 ? (int)(-0.5 + w * (1 << PrecisionBits)) : (int)(0.5 + w * (1 << PrecisionBits));
            }
            (bounds[2 * x], bounds[2 * x + 1]) = (min, max);
        }
        return (bounds, weights, kernel);
    }

    private static double Triangle(double x) => Math.Abs(x) < 1.0 ? 1.0 - Math.Abs(x) : 0.0;

    private static byte Clip(int value) => value >= 1 << PrecisionBits << 8 ? (byte)255 : value <= 0 ? (byte)0 : (byte)(value >> PrecisionBits);
}
