using System.Text;
using System.Text.Json;

namespace Ascai.Serialization;

/// <summary>
/// An append-only file of JSON objects, one per line, flushed to disk after each line so that a killed process
/// loses at most the line in flight. A torn last line (a kill mid-write) is ignored when read, and cut off when the
/// file is reopened for appending; a corrupt complete line is an error naming the file and the line.
/// </summary>
public class JsonLinesFile<T> : IDisposable where T : class
{
    private static readonly JsonSerializerOptions Compact = new(Json.Options) { WriteIndented = false };
    private readonly FileStream _stream;

    /// <summary>Records already in the file when it was opened, in order.</summary>
    public IReadOnlyList<T> Existing { get; }

    /// <summary>Opens (or creates) the file at <paramref name="path"/>; <paramref name="what"/> names it in errors.</summary>
    public JsonLinesFile(string path, string what)
    {
        if (new FileInfo(path).LinkTarget is { } target)
            throw new AscaiException($"{path} is a symbolic link (to {target}): Ascai appends only to files where they are, never through a link");
        string text = File.Exists(path) ? File.ReadAllText(path) : "";
        Existing = Parse(path, text, what);
        _stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        _stream.SetLength(Encoding.UTF8.GetByteCount(text.AsSpan(0, text.LastIndexOf('\n') + 1)));
        _stream.Seek(0, SeekOrigin.End);
    }

    /// <summary>Every complete record of a file (<paramref name="what"/> names it in errors).</summary>
    public static List<T> Read(string path, string what) => Parse(path, File.ReadAllText(path), what);

    private static List<T> Parse(string path, string text, string what)
    {
        // Every record is written with its newline, so what follows the last newline can only be a torn line.
        var lines = text.Split('\n');
        var records = new List<T>();
        for (int i = 0; i < lines.Length - 1; i++)
        {
            try
            {
                records.Add(JsonSerializer.Deserialize<T>(lines[i], Json.Options) ?? throw new JsonException("empty line"));
            }
            catch (JsonException e)
            {
                throw new AscaiException($"{path}: corrupt {what} line {i + 1} ({e.Message.Split('\n')[0]})");
            }
        }
        return records;
    }

    /// <summary>Appends one record and flushes it to disk.</summary>
    public void Append(T record)
    {
        _stream.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(record, Compact) + "\n"));
        _stream.Flush(flushToDisk: true);
    }

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        _stream.Dispose();
        GC.SuppressFinalize(this);
    }
}
