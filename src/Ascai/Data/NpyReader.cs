using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.RegularExpressions;

namespace Ascai.Data;

/// <summary>One array read from a <c>.npy</c> file: its shape and its values as doubles or bytes, as stored.</summary>
public sealed record NpyArray(string Name, long[] Shape, string Type, byte[] Data)
{
    /// <summary>Number of elements.</summary>
    public long Count => Shape.Aggregate(1L, (a, d) => a * d);
}

/// <summary>
/// Reads NumPy's <c>.npy</c> format (versions 1-3: magic, header dict with <c>descr</c>, <c>fortran_order</c> and
/// <c>shape</c>, then the raw little-endian data) and <c>.npz</c> archives of them, as <c>numpy.save</c> and
/// <c>numpy.savez</c> / <c>savez_compressed</c> write them. C order only; the element types images and labels come in.
/// </summary>
public static partial class NpyReader
{
    private static readonly string[] Types = ["|u1", "|i1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8", "<f4", "<f8", "|b1"];

    /// <summary>Reads one .npy file.</summary>
    public static NpyArray Read(string path)
    {
        if (!File.Exists(path)) throw new AscaiException($"{path}: file not found");
        using var file = File.OpenRead(path);
        return Read(file, path);
    }

    /// <summary>The arrays of an .npz archive by name (without the .npy extension).</summary>
    public static Dictionary<string, NpyArray> ReadArchive(string path)
    {
        if (!File.Exists(path)) throw new AscaiException($"{path}: file not found");
        try
        {
            using var zip = ZipFile.OpenRead(path);
            return zip.Entries.Where(e => e.Name.EndsWith(".npy", StringComparison.Ordinal)).ToDictionary(e => e.FullName[..^4], e =>
            {
                using var stream = e.Open();
                return Read(stream, $"{path}:{e.FullName}");
            });
        }
        catch (InvalidDataException e) { throw new AscaiException($"{path}: not an .npz archive ({e.Message})"); }
    }

    private static NpyArray Read(Stream stream, string name)
    {
        Span<byte> start = stackalloc byte[10];
        if (stream.ReadAtLeast(start, 10, throwOnEndOfStream: false) < 10 || start[0] != 0x93 || !start[1..6].SequenceEqual("NUMPY"u8))
            throw new AscaiException($"{name}: not a NumPy .npy file (bad magic)");
        int major = start[6];
        int headerLength;
        if (major == 1) headerLength = BinaryPrimitives.ReadUInt16LittleEndian(start[8..]);
        else if (major is 2 or 3)
        {
            Span<byte> more = stackalloc byte[2];
            stream.ReadExactly(more);
            headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian([start[8], start[9], more[0], more[1]]);
        }
        else throw new AscaiException($"{name}: .npy version {major} is not supported");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        string header = System.Text.Encoding.Latin1.GetString(headerBytes);
        var descr = Descr().Match(header);
        var shape = ShapeField().Match(header);
        if (!descr.Success || !shape.Success) throw new AscaiException($"{name}: unreadable .npy header {header.Trim()}");
        if (FortranOrder().IsMatch(header)) throw new AscaiException($"{name}: Fortran-ordered arrays are not supported (save with numpy.ascontiguousarray)");
        string type = descr.Groups[1].Value.Replace("=", "<");
        if (type is "<u1" or "<i1" or "<b1") type = "|" + type[1..];
        if (!Types.Contains(type)) throw new AscaiException($"{name}: element type {type} is not supported (uint8, float32, float64 or integers, little-endian)");
        var fields = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var dims = new long[fields.Length];
        for (int i = 0; i < dims.Length; i++)
            if (!long.TryParse(fields[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out dims[i]))
                throw new AscaiException($"{name}: the header's shape ({shape.Groups[1].Value}) is not a list of sizes");
        double size = dims.Aggregate((double)ElementSize(type), (a, d) => a * d); // in doubles: a forged shape cannot overflow
        long bytes = size > Array.MaxLength ? long.MaxValue : (long)size;
        if (bytes > Array.MaxLength) throw new AscaiException($"{name}: {size / 1e9:G3} GB is more than one array can hold here");
        var data = new byte[bytes];
        if (stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false) < data.Length)
            throw new AscaiException($"{name}: truncated: the header promises {string.Join(" x ", dims)} values of {type}");
        return new NpyArray(name, dims, type, data);
    }

    /// <summary>Bytes per element of a type.</summary>
    public static int ElementSize(string type) => type switch { "|u1" or "|i1" or "|b1" => 1, "<i2" or "<u2" => 2, "<i4" or "<u4" or "<f4" => 4, _ => 8 };

    /// <summary>The values as integers (labels); throws for floats that are not whole numbers.</summary>
    public static long[] Integers(NpyArray array)
    {
        var values = new long[array.Count];
        var d = array.Data.AsSpan();
        for (int i = 0; i < values.Length; i++)
            values[i] = array.Type switch
            {
                "|u1" or "|b1" => d[i], "|i1" => (sbyte)d[i],
                "<i2" => BinaryPrimitives.ReadInt16LittleEndian(d[(2 * i)..]), "<u2" => BinaryPrimitives.ReadUInt16LittleEndian(d[(2 * i)..]),
                "<i4" => BinaryPrimitives.ReadInt32LittleEndian(d[(4 * i)..]), "<u4" => BinaryPrimitives.ReadUInt32LittleEndian(d[(4 * i)..]),
                "<i8" => BinaryPrimitives.ReadInt64LittleEndian(d[(8 * i)..]), "<u8" => (long)BinaryPrimitives.ReadUInt64LittleEndian(d[(8 * i)..]),
                _ => throw new AscaiException($"{array.Name}: labels must be integers, not {array.Type}"),
            };
        return values;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex Descr();
    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeField();
    [GeneratedRegex(@"'fortran_order'\s*:\s*True")]
    private static partial Regex FortranOrder();
}
