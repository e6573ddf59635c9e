using System.Buffers.Binary;
using Ascai.Data;
using Ascai.Graph;

namespace Ascai.Distributed;

/// <summary>
/// The images a worker needs, packed into one blob (a small header, the labels, the pixels, in order): the search's
/// validation images, which candidates are scored on, then its calibration images (<see cref="DatasetSplits.CalibrationIndices"/>),
/// which linear fill fits on; unpacked into splits whose validation and calibration sets are exactly those images
/// in the same order, so a worker compresses and scores a candidate as the search process would.
/// </summary>
public static class ValidationImages
{
    private const int Magic = 0x58435341; // "ASCX": labels as int32
    private const int HeaderSize = 28;

    /// <summary>Packs the validation and calibration images of <paramref name="data"/>.</summary>
    public static byte[] Pack(DatasetSplits data)
    {
        var source = data.Train;
        int[] validation = data.ValidationIndices, calibration = data.CalibrationIndices;
        var indices = validation.Concat(calibration).ToArray();
        if (source.HoldsFloats || data.Validation.HoldsFloats)
            throw new AscaiException($"{data.Name}: float images cannot be sent to remote workers; evaluate locally, or save the arrays as uint8");
        int size = source.ImageSize;
        var blob = new byte[HeaderSize + (long)indices.Length * (sizeof(int) + size)];
        var header = blob.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(header[0..], Magic);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], validation.Length);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], calibration.Length);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], source.Channels);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], source.Height);
        BinaryPrimitives.WriteInt32LittleEndian(header[20..], source.Width);
        BinaryPrimitives.WriteInt32LittleEndian(header[24..], Math.Max(source.NumClasses, data.Validation.NumClasses));
        // Validation images from where they are (their own folder, or the training split), calibration images from the training split.
        for (int i = 0; i < indices.Length; i++)
            BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(HeaderSize + sizeof(int) * i), (i < validation.Length ? data.Validation : source).Labels[indices[i]]);
        var pixels = blob.AsSpan(HeaderSize + sizeof(int) * indices.Length);
        data.Validation.Read(validation, pixels[..(validation.Length * size)]);
        source.Read(calibration, pixels[(validation.Length * size)..]);
        return blob;
    }

    /// <summary>Splits whose validation and calibration images are the packed ones (and nothing else).</summary>
    public static DatasetSplits Unpack(byte[] blob, string name, Normalization normalization)
    {
        int Read(int at) => BinaryPrimitives.ReadInt32LittleEndian(blob.AsSpan(at));
        if (blob.Length < HeaderSize || Read(0) != Magic) throw new AscaiException($"{name}: not a packed validation set");
        int validation = Read(4), calibration = Read(8), c = Read(12), h = Read(16), w = Read(20), classes = Read(24);
        int count = validation + calibration;
        if (blob.LongLength != HeaderSize + (long)count * (sizeof(int) + c * h * w)) throw new AscaiException($"{name}: truncated packed validation set");
        var labels = Enumerable.Range(0, count).Select(i => BinaryPrimitives.ReadInt32LittleEndian(blob.AsSpan(HeaderSize + sizeof(int) * i))).ToArray();
        var images = new InMemoryImages(name, blob[(HeaderSize + sizeof(int) * count)..], labels, c, h, w, classes);
        return new DatasetSplits(name, images, images, Enumerable.Range(validation, calibration).ToArray(), Enumerable.Range(0, validation).ToArray(), normalization, []);
    }
}
