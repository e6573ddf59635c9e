using System.Text.Json;
using Ascai.Compression;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Search.Strategies;
using Ascai.Serialization;

namespace Ascai.Search;

/// <summary>
/// Runs a search in a run folder: <c>config.json</c> (what to resume), <c>journal.jsonl</c> (every evaluation),
/// <c>theta.json</c> (warm-start thresholds), <c>populations.jsonl</c> (each generation's members), <c>summary.json</c>,
/// and the best model as <c>best.ascai</c>
/// (masks in place), <c>best-compact.ascai</c> and <c>best-compact.onnx</c>. Resuming replays the journal: with the same seed the run ends
/// with the same result as an uninterrupted one (a wall-clock limit aside).
/// </summary>
public static class SearchRunner
{
    /// <summary>File names inside a run folder.</summary>
    public const string ConfigFile = "config.json", JournalFile = "journal.jsonl", ThetaFile = "theta.json", SummaryFile = "summary.json",
        PopulationsFile = "populations.jsonl",
        BestFile = "best.ascai", BestCompactFile = "best-compact.ascai", BestOnnxFile = "best-compact.onnx";

    /// <summary>Starts a new run in <paramref name="runDir"/> (which must not hold one already).</summary>
    public static SearchSummary Start(SearchConfig config, string runDir, IProgress<SearchProgress>? progress = null, CancellationToken cancel = default, int workers = 1,
        IEvaluationBackend? backend = null)
    {
        config.Options.Validate();
        SearchStrategies.Create(config.Strategy);
        if (File.Exists(Path.Combine(runDir, JournalFile)))
            throw new AscaiException($"{runDir} already holds a run; use --resume {runDir} to continue it, or another --out");
        var absolute = config with { Model = Path.GetFullPath(config.Model), DataDir = config.DataDir is null ? null : Path.GetFullPath(config.DataDir) };
        return Execute(absolute, runDir, progress, cancel, isNew: true, workers, backend);
    }

    /// <summary>Continues the run in <paramref name="runDir"/> from its journal.</summary>
    public static SearchSummary Resume(string runDir, IProgress<SearchProgress>? progress = null, CancellationToken cancel = default, int workers = 1,
        IEvaluationBackend? backend = null)
    {
        string path = Path.Combine(runDir, ConfigFile);
        if (!File.Exists(path)) throw new AscaiException($"{runDir}: not a run folder (no {ConfigFile})");
        SearchConfig config;
        try { config = JsonSerializer.Deserialize<SearchConfig>(File.ReadAllText(path), Json.Options) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new AscaiException($"{path}: corrupt run configuration ({e.Message.Split('\n')[0]})"); }
        return Execute(config, runDir, progress, cancel, isNew: false, workers, backend);
    }

    private static SearchSummary Execute(SearchConfig config, string runDir, IProgress<SearchProgress>? progress, CancellationToken cancel, bool isNew, int workers,
        IEvaluationBackend? backend)
    {
        if (workers < 1) throw new AscaiException($"--workers must be at least 1, got {workers}");
        using var model = ModelFile.Load(config.Model);
        // The validation images must be the ones held out when the model was trained: same split seed.
        var trained = model.Info.Training.FirstOrDefault();
        int splitSeed = trained?.Seed ?? 0;
        // A larger validation set than the training held out would score candidates on images the model was trained on
        // (the held-out images are the first ones of the same seeded permutation, so a smaller set is a subset). Another
        // data set (e.g. unseen images as IDX files) has no such overlap.
        if (trained is not null && string.Equals(trained.Dataset, config.Dataset, StringComparison.OrdinalIgnoreCase)
            && trained.HeldOutCount() is var heldOut && config.ValidationSize > heldOut)
            throw new AscaiException($"--val-size {config.ValidationSize}: the model was trained with only {heldOut} images held out, so the others would be images it was trained on (train with a larger --val-size)");
        var data = DatasetCatalog.Load(config.Dataset, config.DataDir, config.ValidationSize, splitSeed);
        ModelFile.ResolveNormalization(model, config.Model, data.Normalization, config.Normalization);
        if (!model.Graph.InputShape.Equals(data.InputShape))
            throw new AscaiException($"the model takes {model.Graph.InputShape} inputs but {data.Name} images are {data.InputShape}");
        var space = SearchSpace.Build(model.Graph, config.Methods, config.Include, config.Exclude);
        // Remote workers evaluate exactly what the local evaluator would; it still measures the baseline and the best.
        // Connect first: an unreachable server fails before minutes of local preparation.
        var remoteEvaluate = backend?.Open(config, model, data);
        var evaluator = new CandidateEvaluator(model, data, space,
            new CompressionContext { Importance = config.Importance, Fill = config.Fill, ChannelMultiple = config.ChannelMultiple }, config.Engine);
        double baseAccuracy = evaluator.BaseAccuracy();
        double floor = config.Floor(baseAccuracy);
        var score = new ScoreFunction(config.Options.Score, baseAccuracy, floor);
        if (isNew) // only once every check has passed: a refused run leaves no folder behind
        {
            Directory.CreateDirectory(runDir);
            AtomicFile.WriteText(Path.Combine(runDir, ConfigFile), JsonSerializer.Serialize(config, Json.Options));
        }

        using var journal = new Journal(Path.Combine(runDir, JournalFile));
        using var populations = new PopulationLog(Path.Combine(runDir, PopulationsFile));
        var evaluate = remoteEvaluate ?? evaluator.Evaluate;
        var run = new SearchRun(space, score, evaluator.BaseCost, config.Options, (genome, token) =>
        {
            var r = evaluate(genome, token);
            return (r.ValAccuracy, r.Macs, r.Params, evaluator.CostOf(r));
        }, journal, progress, cancel) { Workers = backend?.Concurrency ?? workers, Status = backend is null ? null : () => backend.Status };
        var strategy = SearchStrategies.Create(config.Strategy) is GeneticStrategy
            ? new GeneticStrategy { ThetaComputed = theta => AtomicFile.WriteText(Path.Combine(runDir, ThetaFile), JsonSerializer.Serialize(
                space.Genes.Select((g, i) => new { layer = g.Layer, method = g.Method, kind = g.Kind, theta = theta[i] }), Json.Options)),
                GenerationEvaluated = populations.Record }
            : SearchStrategies.Create(config.Strategy);
        try
        {
            strategy.Run(run, new Random(config.Options.Seed));
        }
        catch (OperationCanceledException)
        {
            run.Stop("interrupted");
        }
        return Summarize(config, runDir, model, data, space, evaluator, run, baseAccuracy, floor, cancel.IsCancellationRequested, remote: backend is not null);
    }

    private static SearchSummary Summarize(SearchConfig config, string runDir, Model model, DatasetSplits data, SearchSpace space,
        CandidateEvaluator evaluator, SearchRun run, double baseAccuracy, double floor, bool interrupted, bool remote)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        // An interrupted run gets no test numbers and no summary file: it is meant to be resumed, not reported.
        double Test(LayerGraph g) => interrupted ? 0 : Evaluator.Evaluate(g, data.Test, data.TestIndices, model.Info.Normalization).Accuracy;
        var baseline = new SummaryModel { ValAccuracy = baseAccuracy, TestAccuracy = Test(model.Graph), Macs = evaluator.BaseMacs, Params = evaluator.BaseParams };
        SummaryModel? best = null;
        if (run.BestFeasible is { } b && !interrupted)
        {
            var plan = space.Decode(b.Genome);
            using var masked = evaluator.BuildMasked(b.Genome);
            using var compact = Compactor.Compact(masked);
            var info = model.Info with { Compression = new CompressionRecord { BaseMacs = evaluator.BaseMacs, BaseParams = evaluator.BaseParams, Settings = plan.ToJson() } };
            ModelFile.Save(new Model(masked, info), Path.Combine(runDir, BestFile));
            var compactModel = new Model(compact, info with { Compression = info.Compression! with { Compact = true } });
            ModelFile.Save(compactModel, Path.Combine(runDir, BestCompactFile));
            ModelFile.Save(compactModel, Path.Combine(runDir, BestOnnxFile));
            best = new SummaryModel
            {
                ValAccuracy = b.ValAccuracy, TestAccuracy = Test(compact), Macs = b.Macs, MacsRatio = (double)b.Macs / evaluator.BaseMacs,
                Params = b.Params, Genome = b.Genome, Settings = plan.ToJson(),
            };
        }
        var summary = new SearchSummary
        {
            Baseline = baseline, Best = best, AccThreshold = floor, Evaluations = run.Evaluations, WallSeconds = run.Elapsed.TotalSeconds,
            Strategy = config.Strategy, Methods = config.Methods, Seed = config.Options.Seed, StopReason = run.StopReason ?? "done", Genes = space.Genes.Count,
            Engine = remote ? "remote workers" : evaluator.ChosenEngine?.ToString().ToLowerInvariant() ?? "", Workers = run.Workers,
            ParetoFront = run.ParetoFront().Select(r => new double[] { r.Index, r.Macs, r.Params, r.ValAccuracy }).ToList(),
        };
        if (!interrupted) AtomicFile.WriteText(Path.Combine(runDir, SummaryFile), JsonSerializer.Serialize(summary, Json.Options));
        return summary;
    }
}
