using Ascai.Serialization;

namespace Ascai.Search;

/// <summary>One generation's population, by the journal indices of its members (a genome may appear several times).</summary>
public sealed record PopulationRecord(int Generation, int[] Members);

/// <summary>
/// <c>populations.jsonl</c>: the population of every generation of a genetic search, for the report's heat maps and
/// convergence plots (the journal alone holds each genome once, at its first evaluation). A resumed run replays
/// generations already written; those are not written again.
/// </summary>
public sealed class PopulationLog(string path) : JsonLinesFile<PopulationRecord>(path, "population log")
{
    private int? _last; // the last generation in the file, once known

    /// <summary>Appends a generation unless it is already in the file.</summary>
    public void Record(int generation, IEnumerable<EvaluationRecord> members)
    {
        _last ??= Existing.Count > 0 ? Existing[^1].Generation : -1;
        if (generation <= _last) return;
        Append(new PopulationRecord(generation, members.Select(m => m.Index).ToArray()));
        _last = generation;
    }

    /// <summary>Every complete generation of a population log file.</summary>
    public static List<PopulationRecord> Read(string path) => Read(path, "population log");
}
