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
    public static byte[] Resize(byte[] planes, int channels, int width, int height, int outWidth, int outHeight)
    {
        if (outWidth == width && outHeight == height) return planes;
        var (vBounds, vWeights, vSize) = Coefficients(height, outHeight);
        int first = vBounds[0], last = vBounds[2 * (outHeight - 1)] + vBounds[2 * (outHeight - 1) + 1];
        var output = new byte[channels * outWidth * outHeight];
        for (int c = 0; c < channels; c++)
        {
            var source = planes.AsSpan(c * width * height, width * height);
            // Horizontal pass over the rows [first, last) the vertical pass reads, as Pillow's ImagingResampleInner.
            byte[] temp;
            int tempHeight, offset;
            if (outWidth != width)
            {
                var (hBounds, hWeights, hSize) = Coefficients(width, outWidth);
                tempHeight = last - first;
                offset = first;
                temp = new byte[outWidth * tempHeight];
                for (int y = 0; y < tempHeight; y++)
                    for (int x = 0; x < outWidth; x++)
                    {
                        int min = hBounds[2 * x], count = hBounds[2 * x + 1], sum = 1 << (PrecisionBits - 1);
                        for (int k = 0; k < count; k++) sum += source[(y + first) * width + min + k] * hWeights[x * hSize + k];
                        temp[y * outWidth + x] = Clip(sum);
                    }
            }
            else
            {
                (temp, tempHeight, offset) = (source.ToArray(), height, 0);
            }
            var target = output.AsSpan(c * outWidth * outHeight, outWidth * outHeight);
            if (outHeight != height)
                for (int y = 0; y < outHeight; y++)
                {
                    int min = vBounds[2 * y] - offset, count = vBounds[2 * y + 1];
                    for (int x = 0; x < outWidth; x++)
                    {
                        int sum = 1 << (PrecisionBits - 1);
                        for (int k = 0; k < count; k++) sum += temp[(min + k) * outWidth + x] * vWeights[y * vSize + k];
                        target[y * outWidth + x] = Clip(sum);
                    }
                }
            else
                temp.AsSpan(0, outWidth * outHeight).CopyTo(target);
        }
        return output;
    }

    /// <summary>torchvision's <c>CenterCrop</c>: the offsets are rounded half to even, as Python's round.</summary>
    public static byte[] CenterCrop(byte[] planes, int channels, int width, int height, int cropWidth, int cropHeight)
    {
        if (cropWidth == width && cropHeight == height) return planes;
        int top = (int)Math.Round((height - cropHeight) / 2.0, MidpointRounding.ToEven), left = (int)Math.Round((width - cropWidth) / 2.0, MidpointRounding.ToEven);
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
