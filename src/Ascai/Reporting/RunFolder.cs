using Ascai.Compression;
using Ascai.Cost;
using Ascai.Search;
using Ascai.Serialization;

namespace Ascai.Reporting;

/// <summary>
/// A finished search run read back from its folder: configuration, summary, every evaluation, and (for genetic
/// runs that have them) each generation's population. What reports and figures are made from.
/// </summary>
public sealed record RunFolder(string Path, SearchConfig Config, SearchSummary Summary, IReadOnlyList<EvaluationRecord> Records,
    IReadOnlyList<PopulationRecord>? Populations)
{
    /// <summary>The folder's files (the returned model's among them).</summary>
    public RunStore Store => new(Path);

    /// <summary>A short label: the folder's name.</summary>
    public string Name => System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(Path)));

    /// <summary>What the run's savings are measured in (runs that did not record it: parameters for pn, MACs otherwise).</summary>
    public CostMetric Cost => Enum.TryParse<CostMetric>(Summary.Cost, ignoreCase: true, out var metric) ? metric : SearchSpace.DefaultCost(Summary.Methods);

    /// <summary>What the run's savings are measured in, as tables head it ("MACs", "params", "BOPs").</summary>
    public string CostName => Cost.Name();

    /// <summary>A record's cost relative to the uncompressed model, in the run's own metric.</summary>
    public double CostRatio(EvaluationRecord r) =>
        r.CostIn(Cost) / (double)Math.Max(1, Cost.Select(Summary.Baseline.Macs, Summary.Baseline.Params, Summary.Baseline.Macs, Summary.Baseline.Latency ?? double.NaN));

    /// <summary>Reads a run folder; anything missing, empty or corrupt is one clear error.</summary>
    public static RunFolder Load(string path)
    {
        if (!Directory.Exists(path)) throw new AscaiException($"{path}: no such run folder");
        var store = new RunStore(path);
        var config = store.ReadConfig();
        var summary = store.ReadSummary();
        if (!store.HasJournal) throw new AscaiException($"{path}: no {RunStore.JournalFile}");
        var records = store.ReadJournal();
        if (records.Count == 0) throw new AscaiException($"{store.PathOf(RunStore.JournalFile)}: the journal holds no evaluation");
        var generations = store.ReadPopulations();
        if (generations?.SelectMany(g => g.Members).Any(i => i < 0 || i >= records.Count) == true)
            throw new AscaiException($"{store.PathOf(RunStore.PopulationsFile)}: refers to evaluations the journal does not hold");
        return new RunFolder(path, config, summary, records, generations);
    }

    /// <summary>
    /// The individuals of each generation, first to last. From populations.jsonl when the run wrote it; otherwise
    /// (older runs) the genomes first evaluated in each generation, which leaves out repeats served by the cache.
    /// </summary>
    public IReadOnlyList<(int Generation, IReadOnlyList<EvaluationRecord> Members)> Generations() =>
        Populations is not null
            ? Populations.Select(p => (p.Generation, (IReadOnlyList<EvaluationRecord>)p.Members.Select(i => Records[i]).ToList())).ToList()
            : Records.Where(r => r.Generation >= 0).GroupBy(r => r.Generation).OrderBy(g => g.Key)
                .Select(g => (g.Key, (IReadOnlyList<EvaluationRecord>)g.ToList())).ToList();

    /// <summary>The lowest cost ratio of a feasible candidate after each evaluation (NaN until one is feasible).</summary>
    public double[] CheapestFeasibleRatioByEvaluation()
    {
        var result = new double[Records.Count];
        double cheapest = double.NaN;
        for (int i = 0; i < Records.Count; i++)
        {
            if (Records[i].Feasible && CostRatio(Records[i]) is var ratio && !(ratio >= cheapest)) cheapest = ratio;
            result[i] = cheapest;
        }
        return result;
    }

    /// <summary>The best feasible cost ratio after each evaluation (NaN until one is feasible), by the run's own score.</summary>
    public double[] BestFeasibleRatioByEvaluation()
    {
        var result = new double[Records.Count];
        EvaluationRecord? best = null;
        for (int i = 0; i < Records.Count; i++)
        {
            var r = Records[i];
            if (r.Feasible && (best is null || r.Score > best.Score)) best = r;
            result[i] = best is null ? double.NaN : CostRatio(best);
        }
        return result;
    }
}
