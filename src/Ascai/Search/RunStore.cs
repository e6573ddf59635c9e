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
        PopulationsFile = "populations.jsonl", AliasesFile = "aliases.jsonl", LatencyFile = "latency.json", InputsFile = "inputs.json",
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

    /// <summary>
    /// Holds the folder for one search: an exclusive lock on its <c>.lock</c> file for as long as the returned handle lives
    /// (the operating system lets go of it when the process dies, however it dies). A second search or resume of the folder
    /// is refused at once, instead of interleaving its journal with the first's. Also refuses a folder whose entries
    /// include a symbolic link: a run writes its files where they are, never through a link to somewhere else.
    /// </summary>
    public IDisposable Lock()
    {
        Directory.CreateDirectory(Folder);
        foreach (string entry in Directory.EnumerateFileSystemEntries(Folder))
            if (new FileInfo(entry).LinkTarget is { } target)
                throw new AscaiException($"{entry} is a symbolic link (to {target}): a run writes its files only inside its folder, never through a link; remove it or choose another folder");
        try { return new FileStream(PathOf(LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException) { throw new AscaiException($"{Folder}: another search is running in this folder (it holds {LockFile}); wait for it, or choose another folder"); }
    }

    /// <summary>What the run was made from (<c>inputs.json</c>), or null for a folder written before runs recorded it.</summary>
    public RunInputs? ReadInputs() => File.Exists(PathOf(InputsFile)) ? ReadJson<RunInputs>(InputsFile, "record of the run's inputs") : null;

    /// <summary>Records what the run is made from.</summary>
    public void WriteInputs(RunInputs inputs) => AtomicFile.WriteText(PathOf(InputsFile), JsonSerializer.Serialize(inputs, Json.Options));

    /// <summary>The lock file of a running search (<see cref="Lock"/>).</summary>
    public const string LockFile = ".lock";

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

/// <summary>
/// What a run was made from, recorded when it starts (<c>inputs.json</c>): the SHA-256 of the model file, the
/// fingerprint of the data it reads (<see cref="Data.DatasetSplits.Fingerprint"/>), and its settings (config.json
/// without the model's and data's places, and without what a resume may extend). A resume refuses other inputs, in one
/// line naming what changed, so that a journal never mixes records made under two.
/// </summary>
public sealed record RunInputs(string Model, string Data, System.Text.Json.Nodes.JsonObject Settings)
{
    /// <summary>The inputs of <paramref name="config"/> on a model file of <paramref name="modelHash"/> and data of <paramref name="dataHash"/>.</summary>
    public static RunInputs Of(SearchConfig config, string modelHash, string dataHash)
    {
        // Where the files are may change (a folder moved); what a resume may extend may change.
        var comparable = config with
        {
            Model = "", Data = new Data.DataOptions(), FineTune = null,
            Options = config.Options with { Budget = null, Generations = 0, Stagnation = null, TimeLimit = null },
        };
        return new(modelHash, dataHash, JsonSerializer.SerializeToNode(comparable, Json.Options)!.AsObject());
    }

    /// <summary>The first difference of <paramref name="now"/> from these recorded inputs, in words, or null when there is none.</summary>
    public string? Difference(RunInputs now)
    {
        if (now.Model != Model) return $"the model file's content changed (SHA-256 {Model[..16]}... then, {now.Model[..16]}... now)";
        if (now.Data != Data) return "the images it reads changed (their pixels, labels, order or number)";
        return FirstDifference(Settings, now.Settings, "") is { } path ? $"its settings changed ({path})" : null;
    }

    private static string? FirstDifference(System.Text.Json.Nodes.JsonNode? then, System.Text.Json.Nodes.JsonNode? now, string path)
    {
        if (then is System.Text.Json.Nodes.JsonObject a && now is System.Text.Json.Nodes.JsonObject b)
        {
            foreach (string key in a.Select(p => p.Key).Union(b.Select(p => p.Key)))
                if (FirstDifference(a[key], b[key], path.Length == 0 ? key : $"{path}.{key}") is { } found) return found;
            return null;
        }
        return System.Text.Json.Nodes.JsonNode.DeepEquals(then, now) ? null : $"{path}: {then?.ToJsonString() ?? "none"} then, {now?.ToJsonString() ?? "none"} now";
    }
}
