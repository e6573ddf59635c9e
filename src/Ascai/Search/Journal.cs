using System.Text;
using System.Text.Json;
using Ascai.Serialization;

namespace Ascai.Search;

/// <summary>
/// The append-only record of every evaluation of a run (<c>journal.jsonl</c>, one JSON object per line), flushed
/// to disk after each line so that a killed run loses at most the evaluation in flight. Read back, it is the cache
/// of a resumed run; a torn last line (a kill mid-write) is ignored.
/// </summary>
public sealed class Journal : IDisposable
{
    private static readonly JsonSerializerOptions Compact = new(Json.Options) { WriteIndented = false };
    private readonly FileStream _stream;

    /// <summary>Records already in the file when it was opened, in order.</summary>
    public IReadOnlyList<EvaluationRecord> Existing { get; }

    /// <summary>Opens (or creates) the journal at <paramref name="path"/>.</summary>
    public Journal(string path)
    {
        string text = File.Exists(path) ? File.ReadAllText(path) : "";
        Existing = Parse(path, text);
        _stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        // Drop a torn last line so that new records start on a line of their own.
        _stream.SetLength(Encoding.UTF8.GetByteCount(text.AsSpan(0, text.LastIndexOf('\n') + 1)));
        _stream.Seek(0, SeekOrigin.End);
    }

    /// <summary>Reads every complete record of a journal file; a corrupt complete line is an error.</summary>
    public static List<EvaluationRecord> Read(string path) => Parse(path, File.ReadAllText(path));

    private static List<EvaluationRecord> Parse(string path, string text)
    {
        // Every record is written with its newline, so what follows the last newline can only be a line torn by a
        // kill during the write: it is ignored (and cut off when the journal is reopened for appending).
        var lines = text.Split('\n');
        var records = new List<EvaluationRecord>();
        for (int i = 0; i < lines.Length - 1; i++)
        {
            try
            {
                records.Add(JsonSerializer.Deserialize<EvaluationRecord>(lines[i], Json.Options) ?? throw new JsonException("empty line"));
            }
            catch (JsonException e)
            {
                throw new AscaiException($"{path}: corrupt journal line {i + 1} ({e.Message.Split('\n')[0]})");
            }
        }
        return records;
    }

    /// <summary>Appends one record and flushes it to disk.</summary>
    public void Append(EvaluationRecord record)
    {
        var line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(record, Compact) + "\n");
        _stream.Write(line);
        _stream.Flush(flushToDisk: true);
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _stream.Dispose();
}
