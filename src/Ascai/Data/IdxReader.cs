using System.Buffers.Binary;
using System.IO.Compression;

namespace Ascai.Data;

/// <summary>
/// Reads the IDX format of MNIST, Fashion-MNIST and KMNIST (unsigned-byte data only), gzip-compressed or raw:
/// a big-endian header (0, 0, type 0x08, rank) and rank dimension sizes, then the bytes.
/// </summary>
public static class IdxReader
{
    /// <summary>Reads a whole IDX file; every problem gives an <see cref="AscaiException"/> naming the file.</summary>
    public static (int[] Dims, byte[] Data) Read(string path)
    {
        if (!File.Exists(path)) throw new AscaiException($"{path}: file not found");
        byte[] bytes;
        try { bytes = Decompress(path); }
        catch (InvalidDataException e) { throw new AscaiException($"{path}: corrupt gzip data ({e.Message})"); }

        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0)
            throw new AscaiException($"{path}: not an IDX file (bad magic number)");
        if (bytes[2] != 0x08) throw new AscaiException($"{path}: IDX element type 0x{bytes[2]:x2} is not supported (only unsigned bytes, 0x08)");
        int rank = bytes[3];
        if (rank is < 1 or > 4) throw new AscaiException($"{path}: IDX rank {rank} is not supported");
        if (bytes.Length < 4 + 4 * rank) throw new AscaiException($"{path}: truncated IDX header");
        var dims = new int[rank];
        long expected = 1;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (dims[i] < 0) throw new AscaiException($"{path}: negative IDX dimension");
            expected *= dims[i];
        }
        long actual = bytes.Length - 4 - 4 * rank;
        if (actual < expected) throw new AscaiException($"{path}: truncated: header promises {expected} data bytes, file has {actual}");
        if (actual > expected) throw new AscaiException($"{path}: {actual - expected} bytes of trailing data after the {expected} the header promises");
        return (dims, bytes[(4 + 4 * rank)..]);
    }

    private static byte[] Decompress(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        int read = file.Read(magic);
        file.Position = 0;
        using var output = new MemoryStream();
        if (read == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
            using (var gz = new GZipStream(file, CompressionMode.Decompress)) gz.CopyTo(output);
        else
            file.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>Reads an images file (N x H x W) and its labels file (N) into a dataset.</summary>
    public static InMemoryImages ReadPair(string imagesPath, string labelsPath, int numClasses = 10)
    {
        var (imageDims, pixels) = Read(imagesPath);
        var (labelDims, labels) = Read(labelsPath);
        if (imageDims.Length != 3) throw new AscaiException($"{imagesPath}: expected N x H x W images, found rank {imageDims.Length}");
        if (labelDims.Length != 1) throw new AscaiException($"{labelsPath}: expected a vector of labels, found rank {labelDims.Length}");
        if (imageDims[0] != labelDims[0])
            throw new AscaiException($"{labelsPath}: {labelDims[0]} labels do not match the {imageDims[0]} images of {imagesPath}");
        return new InMemoryImages(imagesPath, pixels, labels, 1, imageDims[1], imageDims[2], numClasses, labelsPath);
    }
}
