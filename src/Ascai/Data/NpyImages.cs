using System.Buffers.Binary;

namespace Ascai.Data;

/// <summary>
/// Image and label arrays from NumPy files as a data set: images N x C x H x W (PyTorch's layout), N x H x W x C
/// (channels last) or N x H x W (one channel), uint8 (0..255) or float32 / float64 (the 0..1 scale that
/// <c>transforms.ToTensor</c> gives); labels any integer type. A folder holds each split as <c>SPLIT_images.npy</c>
/// and <c>SPLIT_labels.npy</c>, or <c>SPLIT.npz</c> with arrays <c>images</c> and <c>labels</c> (or <c>x</c> and <c>y</c>).
/// </summary>
public static class NpyImages
{
    // The largest float pixel taken: normalised images reach a few units ((1 - 0.1) / 0.2 = 4.5 at most with usual statistics).
    private const float MaxFloatPixel = 10;

    /// <summary>The split <paramref name="split"/> (train, test, val) of the folder, or null when it has none.</summary>
    public static ImageDataset? Load(string dir, string split, int? channels, int numClasses = 0)
    {
        string images = Path.Combine(dir, $"{split}_images.npy"), labels = Path.Combine(dir, $"{split}_labels.npy"), archive = Path.Combine(dir, $"{split}.npz");
        NpyArray x, y;
        if (File.Exists(images) || File.Exists(labels)) (x, y) = (NpyReader.Read(images), NpyReader.Read(labels));
        else if (File.Exists(archive))
        {
            var arrays = NpyReader.ReadArchive(archive);
            x = arrays.GetValueOrDefault("images") ?? arrays.GetValueOrDefault("x") ?? throw new AscaiException($"{archive}: no array 'images' (or 'x'); it holds {string.Join(", ", arrays.Keys)}");
            y = arrays.GetValueOrDefault("labels") ?? arrays.GetValueOrDefault("y") ?? throw new AscaiException($"{archive}: no array 'labels' (or 'y'); it holds {string.Join(", ", arrays.Keys)}");
        }
        else return null;
        return Of(x, y, channels, numClasses);
    }

    /// <summary>A data set of an image array and a label array.</summary>
    public static ImageDataset Of(NpyArray x, NpyArray y, int? channels, int numClasses = 0)
    {
        var labels = NpyReader.Integers(y);
        if (y.Shape.Length != 1) throw new AscaiException($"{y.Name}: labels must be a vector, found shape ({string.Join(", ", y.Shape)})");
        if (x.Shape.Length is not (3 or 4) || x.Shape[0] != labels.Length)
            throw new AscaiException($"{x.Name}: images of shape ({string.Join(", ", x.Shape)}) do not go with {labels.Length} labels (expected N x C x H x W, N x H x W x C or N x H x W)");
        int n = (int)x.Shape[0];
        // Channels first unless the last axis looks like channels and the second does not (or the model says so).
        bool last = x.Shape.Length == 4 && (channels is { } want ? x.Shape[1] != want && x.Shape[3] == want : x.Shape[1] is not (1 or 3) && x.Shape[3] is 1 or 3);
        int ch = x.Shape.Length == 3 ? 1 : (int)(last ? x.Shape[3] : x.Shape[1]);
        int h = (int)(x.Shape.Length == 3 ? x.Shape[1] : last ? x.Shape[1] : x.Shape[2]);
        int w = (int)(x.Shape.Length == 3 ? x.Shape[2] : last ? x.Shape[2] : x.Shape[3]);
        if (labels.Any(l => l < 0 || l > int.MaxValue)) throw new AscaiException($"{y.Name}: negative or huge label {labels.First(l => l < 0 || l > int.MaxValue)}");
        var intLabels = labels.Select(l => (int)l).ToArray();
        int classes = Math.Max(numClasses, intLabels.Length == 0 ? 0 : intLabels.Max() + 1);
        int plane = h * w, size = ch * plane;
        int Source(int image, int c, int p) => last ? (image * plane + p) * ch + c : image * size + c * plane + p;
        switch (x.Type)
        {
            case "|u1":
                var bytes = new byte[(long)n * size];
                for (int i = 0; i < n; i++)
                    for (int c = 0; c < ch; c++)
                        for (int p = 0; p < plane; p++) bytes[i * size + c * plane + p] = x.Data[Source(i, c, p)];
                return new InMemoryImages(x.Name, bytes, intLabels, ch, h, w, classes, y.Name);
            case "<f4" or "<f8":
                var floats = new float[(long)n * size];
                bool single = x.Type == "<f4";
                float high = 0;
                var d = x.Data.AsSpan();
                for (int i = 0; i < n; i++)
                    for (int c = 0; c < ch; c++)
                        for (int p = 0; p < plane; p++)
                        {
                            int at = Source(i, c, p);
                            float v = single ? BinaryPrimitives.ReadSingleLittleEndian(d[(4 * at)..]) : (float)BinaryPrimitives.ReadDoubleLittleEndian(d[(8 * at)..]);
                            if (!float.IsFinite(v)) throw new AscaiException($"{x.Name}: image {i} holds a non-finite value ({v})");
                            high = Math.Max(high, v);
                            floats[i * size + c * plane + p] = v;
                        }
                // Pixels on the 0..255 scale read as 0..1 would feed the model noise without a word. Normalised arrays
                // (given with --mean 0 --std 1) reach a few units at most; 0..255 ones reach far beyond.
                if (high > MaxFloatPixel)
                    throw new AscaiException($"{x.Name}: float images must be on the 0..1 scale of transforms.ToTensor (or normalised), found values up to {high:G4}: " +
                        "on the 0..255 scale? divide them by 255 or save them as uint8");
                return new FloatImages(x.Name, floats, intLabels, ch, h, w, classes, y.Name);
            default:
                throw new AscaiException($"{x.Name}: images must be uint8 or float32 / float64, not {x.Type}");
        }
    }
}
