namespace Ascai.Data;

/// <summary>
/// Reads CIFAR-10's binary format: records of 1 label byte followed by 3 x 32 x 32 pixel bytes (red, green, blue
/// planes), as in <c>data_batch_1.bin</c> ... <c>test_batch.bin</c>.
/// </summary>
public static class Cifar10Reader
{
    private const int ImageBytes = 3 * 32 * 32, RecordBytes = 1 + ImageBytes;

    /// <summary>Class names in label order.</summary>
    public static readonly string[] ClassNames = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>Reads and concatenates batch files; a truncated or mislabelled file is named in the error.</summary>
    public static InMemoryImages Read(IReadOnlyList<string> paths)
    {
        var pixels = new List<byte[]>();
        var labels = new List<byte>();
        foreach (string path in paths)
        {
            if (!File.Exists(path)) throw new AscaiException($"{path}: file not found");
            byte[] bytes = File.ReadAllBytes(path);
            if (bytes.Length == 0 || bytes.Length % RecordBytes != 0)
                throw new AscaiException($"{path}: truncated or not CIFAR-10 binary ({bytes.Length} bytes is not a whole number of {RecordBytes}-byte records)");
            for (int offset = 0; offset < bytes.Length; offset += RecordBytes)
            {
                if (bytes[offset] > 9) throw new AscaiException($"{path}: record {offset / RecordBytes} has label {bytes[offset]}, outside 0..9");
                labels.Add(bytes[offset]);
                pixels.Add(bytes[(offset + 1)..(offset + RecordBytes)]);
            }
        }
        var all = new byte[(long)pixels.Count * ImageBytes];
        for (int i = 0; i < pixels.Count; i++) Buffer.BlockCopy(pixels[i], 0, all, i * ImageBytes, ImageBytes);
        return new InMemoryImages(string.Join(",", paths.Select(Path.GetFileName)), all, labels.ToArray(), 3, 32, 32, 10);
    }
}
