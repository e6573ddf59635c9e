using System.Buffers.Binary;
using System.IO.Compression;

namespace Ascai.Tests.Data;

/// <summary>Writes small IDX files for the reader tests.</summary>
internal static class IdxFiles
{
    public static byte[] Encode(int[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        bytes[2] = 0x08;
        bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    public static void Write(string path, int[] dims, byte[] data, bool gzip)
    {
        var bytes = Encode(dims, data);
        if (!gzip) { File.WriteAllBytes(path, bytes); return; }
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        gz.Write(bytes);
    }

    /// <summary>Writes a Fashion-MNIST-like folder: n training and m test images of h x w with labels i % 10.</summary>
    public static void WriteDataset(string dir, int n, int m, int h = 8, int w = 8, bool gzip = true)
    {
        string ext = gzip ? ".gz" : "";
        foreach (var (stem, count) in new[] { ("train", n), ("t10k", m) })
        {
            var pixels = new byte[count * h * w];
            new Random(count).NextBytes(pixels);
            Write(Path.Combine(dir, $"{stem}-images-idx3-ubyte{ext}"), [count, h, w], pixels, gzip);
            Write(Path.Combine(dir, $"{stem}-labels-idx1-ubyte{ext}"), [count], Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray(), gzip);
        }
    }
}
