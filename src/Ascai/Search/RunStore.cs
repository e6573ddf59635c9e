using System.Text.Json;
using Ascai.Compression;
using Ascai.Serialization;

namespace Ascai.Search;

/// <summary>
/// The files of one run folder, named, read and written in one place: the search writes and resumes through it, the
/// report and the benchmarks read it back. Every file is described in docs/run-folder.md.
/// </summary>
public sealed class RunStore(string folder)
{
    /// <summary>File names inside a run folder.</summary>
    public const string ConfigFile = "config.json", JournalFile = "journal.jsonl", ThetaFile = "theta.json", SummaryFile = "summary.json",
        PopulationsFile = "populations.jsonl", AliasesFile = "aliases.jsonl", LatencyFile = "latency.json",
        BestFile = "best.ascai", BestCompactFile = "best-compact.ascai", BestOnnxFile = "best-compact.onnx", BestInt8File = "best-int8.onnx";

    /// <summary>The run folder.</summary>
    public string Folder { get; } = folder;

    /// <summary>The path of one of the folder's files.</summary>
    public string PathOf(string file) => Path.Combine(Folder, file);

    /// <summary>Whether the folder holds a run's settings (a run was started in it).</summary>
    public bool HasConfig => File.Exists(PathOf(ConfigFile));

    /// <summary>Whether the run has evaluated anything.</summary>
    public bool HasJournal => File.Exists(PathOf(JournalFile));

    /// <summary>Whether the run finished (it wrote its summary).</summary>
    public bool IsFinished => File.Exists(PathOf(SummaryFile));

    /// <summary>The run's settings; missing or corrupt is one clear error.</summary>
    public SearchConfig ReadConfig() => ReadJson<SearchConfig>(ConfigFile, "run configuration");

    /// <summary>The finished run's summary; missing (a run not finished) or corrupt is one clear error.</summary>
    public SearchSummary ReadSummary() => ReadJson<SearchSummary>(SummaryFile, "run summary", missing: "the run has not finished; resume it with `ascai search --resume`");

    /// <summary>Every evaluation of the journal, in order (none when the run has not evaluated anything).</summary>
    public List<EvaluationRecord> ReadJournal() => HasJournal ? Journal.Read(PathOf(JournalFile)) : [];

    /// <summary>Each generation's population, or null for runs that wrote none (strategies without generations).</summary>
    public List<PopulationRecord>? ReadPopulations()
    {
        string path = PathOf(PopulationsFile);
        return File.Exists(path) && PopulationLog.Read(path) is { Count: > 0 } generations ? generations : null;
    }

    /// <summary>The genomes that made models the journal already held, in order (none when there are none).</summary>
    public List<ModelAlias> ReadAliases() => File.Exists(PathOf(AliasesFile)) ? JsonLinesFile<ModelAlias>.Read(PathOf(AliasesFile), AliasesWhat) : [];

    /// <summary>Writes the run's settings (atomically: a crash leaves the old file or the new one).</summary>
    public void WriteConfig(SearchConfig config) => AtomicFile.WriteText(PathOf(ConfigFile), JsonSerializer.Serialize(config, Json.Options));

    /// <summary>Writes the finished run's summary.</summary>
    public void WriteSummary(SearchSummary summary) => AtomicFile.WriteText(PathOf(SummaryFile), JsonSerializer.Serialize(summary, Json.Options));

    /// <summary>Writes the warm start's threshold per gene.</summary>
    public void WriteTheta(SearchSpace space, double[] theta) => AtomicFile.WriteText(PathOf(ThetaFile), JsonSerializer.Serialize(
        space.Genes.Select((g, i) => new { layer = g.Layer, method = g.Method, kind = g.Kind, theta = theta[i] }), Json.Options));

    /// <summary>The journal, open for appending (its existing records replay a resumed run).</summary>
    public Journal OpenJournal() => new(PathOf(JournalFile));

    /// <summary>The population log, open for appending.</summary>
    public PopulationLog OpenPopulations() => new(PathOf(PopulationsFile));

    /// <summary>The genomes that made models the journal already holds, open for appending.</summary>
    public JsonLinesFile<ModelAlias> OpenAliases() => new(PathOf(AliasesFile), AliasesWhat);

    private const string AliasesWhat = "aliases";

    private T ReadJson<T>(string file, string what, string? missing = null)
    {
        string path = PathOf(file);
        if (!File.Exists(path)) throw new AscaiException($"{Folder}: no {file}{(missing is null ? "" : $" ({missing})")}");
        try { return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json.Options) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new AscaiException($"{path}: corrupt {what} ({e.Message.Split('\n')[0]})"); }
    }
}
