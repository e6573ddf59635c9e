using Ascai.Serialization;

namespace Ascai.Search;

/// <summary>
/// The append-only record of every evaluation of a run (<c>journal.jsonl</c>, one JSON object per line), flushed
/// to disk after each line so that a killed run loses at most the evaluation in flight. Read back, it is the cache
/// of a resumed run; a torn last line (a kill mid-write) is ignored.
/// </summary>
public sealed class Journal(string path) : JsonLinesFile<EvaluationRecord>(path, "journal")
{
    /// <summary>Reads every complete record of a journal file; a corrupt complete line is an error.</summary>
    public static List<EvaluationRecord> Read(string path) => Read(path, "journal");
}
