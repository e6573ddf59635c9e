namespace Ascai.Tests.Data;

/// <summary>
/// The image folder tests/fixtures/rgb/shapes.onnx was trained on, drawn at test time (tests/fixtures/rgb/make_shapes_model.py
/// draws the same pixels with the same integer arithmetic): three classes of 72 x 72 RGB images, a disc, a square and
/// diagonal stripes, each in its own colours over a noisy background, in torchvision's ImageFolder layout with
/// train/, val/ and test/ splits.
/// </summary>
internal static class ShapeImages
{
    public const int Size = 72;
    public static readonly string[] Classes = ["disc", "square", "stripes"];
    public static readonly (string Split, int PerClass)[] Splits = [("train", 90), ("val", 60), ("test", 60)];

    /// <summary>The trained model (ImageNet normalisation, input "images", output "logits", 64 x 64 after Resize(72) + CenterCrop(64)).</summary>
    public static string Model => Path.Combine(Repository.Root, "tests", "fixtures", "rgb", "shapes.onnx");

    /// <summary>Writes the folder under <paramref name="root"/> (only the splits named, all by default) and returns it.</summary>
    public static string Write(string root, params string[] splits)
    {
        for (int s = 0; s < Splits.Length; s++)
        {
            var (split, count) = Splits[s];
            if (splits.Length > 0 && !splits.Contains(split)) continue;
            for (int label = 0; label < Classes.Length; label++)
            {
                string folder = Path.Combine(root, split, Classes[label]);
                Directory.CreateDirectory(folder);
                for (int i = 0; i < count; i++) Save(Pixels(label, i, s), Path.Combine(folder, $"{i:000}.png"));
            }
        }
        return root;
    }

    /// <summary>Height x width x RGB bytes of image <paramref name="index"/> of class <paramref name="label"/> in split <paramref name="split"/> (0 train, 1 val, 2 test).</summary>
    public static byte[] Pixels(int label, int index, int split)
    {
        var rng = new Lcg(label * 1000003L + index * 7919L + split * 104729L + 1);
        int[] bg = [rng.Next(256), rng.Next(256), rng.Next(256)];
        int[] fg = bg.Select(b => (b + 96 + rng.Next(64)) % 256).ToArray();
        int cx = 22 + rng.Next(28), cy = 22 + rng.Next(28), r = 10 + rng.Next(8), phase = rng.Next(12);
        var pixels = new byte[Size * Size * 3];
        for (int y = 0; y < Size; y++)
            for (int x = 0; x < Size; x++)
            {
                bool inside = label switch
                {
                    0 => (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r,
                    1 => Math.Abs(x - cx) <= r && Math.Abs(y - cy) <= r,
                    _ => (x + y + phase) / 6 % 2 == 0,
                };
                var color = inside ? fg : bg;
                for (int c = 0; c < 3; c++) pixels[(y * Size + x) * 3 + c] = (byte)Math.Clamp(color[c] + rng.Next(33) - 16, 0, 255);
            }
        return pixels;
    }

    // Height x width x RGB to the planes ImageFiles writes.
    private static void Save(byte[] rgb, string path)
    {
        int plane = Size * Size;
        var planes = new byte[3 * plane];
        for (int i = 0; i < plane; i++)
            for (int c = 0; c < 3; c++) planes[c * plane + i] = rgb[3 * i + c];
        ImageFiles.WritePng(path, planes, 3, Size, Size);
    }

    // x <- (1103515245 x + 12345) mod 2^31, as the Python script's.
    private sealed class Lcg(long seed)
    {
        private long _x = seed % 2147483648L;

        public int Next(int n)
        {
            _x = (1103515245L * _x + 12345) % 2147483648L;
            return (int)((_x >> 8) % n);
        }
    }
}
