using Ascai.Serialization;

namespace Ascai.Search;

/// <summary>
/// The append-only record of every evaluation of a run (<c>journal.jsonl</c>, one JSON object per line), flushed
/// to disk after each line so that a killed run loses at most the evaluation in flight. Read back, it is the cache
/// of a resumed run; a torn last line (a kill mid-write) is ignored. Its records are numbered 0, 1, 2, ... in line
/// order: a duplicated, missing or reordered line is an error, since a replay would mix it up with new evaluations.
/// </summary>
public sealed class Journal : JsonLinesFile<EvaluationRecord>
{
    /// <summary>Opens (or creates) the journal at <paramref name="path"/> for appending.</summary>
    public Journal(string path) : base(path, "journal") => CheckIndices(path, Existing);

    /// <summary>Reads every complete record of a journal file; a corrupt complete line is an error.</summary>
    public static List<EvaluationRecord> Read(string path)
    {
        var records = Read(path, "journal");
        CheckIndices(path, records);
        return records;
    }

    private static void CheckIndices(string path, IReadOnlyList<EvaluationRecord> records)
    {
        for (int i = 0; i < records.Count; i++)
            if (records[i].Index != i)
                throw new AscaiException($"{path}: line {i + 1} holds evaluation {records[i].Index}, expected {i} (a duplicated, missing or reordered line)");
    }
}
