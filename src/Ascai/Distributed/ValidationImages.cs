using System.Buffers.Binary;
using Ascai.Data;
using Ascai.Graph;

namespace Ascai.Distributed;

/// <summary>
/// The validation images of a search packed into one blob (a small header, the labels, the pixels, in order),
/// so a worker receives only what it evaluates on, and unpacked into splits whose validation set is exactly those
/// images in the same order.
/// </summary>
public static class ValidationImages
{
    private const int Magic = 0x41534356; // "ASCV"

    /// <summary>Packs the validation images of <paramref name="data"/>.</summary>
    public static byte[] Pack(DatasetSplits data)
    {
        var source = data.Train;
        var indices = data.ValidationIndices;
        int size = source.ImageSize;
        var blob = new byte[24 + indices.Length * (1 + size)];
        var header = blob.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(header[0..], Magic);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], indices.Length);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], source.Channels);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], source.Height);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], source.Width);
        BinaryPrimitives.WriteInt32LittleEndian(header[20..], source.NumClasses);
        for (int i = 0; i < indices.Length; i++)
        {
            blob[24 + i] = source.Labels[indices[i]];
            source.Pixels.AsSpan(indices[i] * size, size).CopyTo(blob.AsSpan(24 + indices.Length + i * size));
        }
        return blob;
    }

    /// <summary>Splits whose validation images are the packed ones (and nothing else).</summary>
    public static DatasetSplits Unpack(byte[] blob, string name, Normalization normalization)
    {
        if (blob.Length < 24 || BinaryPrimitives.ReadInt32LittleEndian(blob) != Magic)
            throw new AscaiException($"{name}: not a packed validation set");
        int count = BinaryPrimitives.ReadInt32LittleEndian(blob.AsSpan(4)), c = BinaryPrimitives.ReadInt32LittleEndian(blob.AsSpan(8));
        int h = BinaryPrimitives.ReadInt32LittleEndian(blob.AsSpan(12)), w = BinaryPrimitives.ReadInt32LittleEndian(blob.AsSpan(16));
        int classes = BinaryPrimitives.ReadInt32LittleEndian(blob.AsSpan(20));
        if (blob.LongLength != 24 + (long)count * (1 + c * h * w)) throw new AscaiException($"{name}: truncated packed validation set");
        var images = new ImageDataset(name, blob[(24 + count)..], blob[24..(24 + count)], c, h, w, classes);
        return new DatasetSplits(name, images, images, [], Enumerable.Range(0, count).ToArray(), normalization, []);
    }
}
