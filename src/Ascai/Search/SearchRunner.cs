using Ascai.Compression;
using Ascai.Cost;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Search.Strategies;
using Ascai.Serialization;

namespace Ascai.Search;

/// <summary>
/// Runs a search in a run folder: <c>config.json</c> (what to resume), <c>journal.jsonl</c> (every evaluation),
/// <c>theta.json</c> (warm-start thresholds), <c>populations.jsonl</c> (each generation's members), <c>summary.json</c>,
/// <c>latency.json</c> (the per-layer latency table, when candidates are priced in latency),
/// and the best model as <c>best.ascai</c>
/// (masks in place), <c>best-compact.ascai</c> and <c>best-compact.onnx</c>, and when it runs layers in int8 as
/// <c>best-int8.onnx</c> (the QDQ model the search measured). Resuming replays the journal: with the same seed the run ends
/// with the same result as an uninterrupted one (a wall-clock limit aside).
/// </summary>
public static class SearchRunner
{
    /// <summary>Starts a new run in <paramref name="runDir"/> (which must not hold one already).</summary>
    /// <param name="config">What to search.</param>
    /// <param name="runDir">The run folder to create.</param>
    /// <param name="progress">Told after each evaluation.</param>
    /// <param name="cancel">Stops the run cleanly (it can be resumed).</param>
    /// <param name="workers">Candidates evaluated at once in this process.</param>
    /// <param name="backend">Evaluates candidates elsewhere (remote workers), or null.</param>
    /// <param name="warn">Told of anything the user should know before trusting the result (also in the summary).</param>
    /// <param name="observers">Told the run's events (<see cref="ISearchObserver"/>), after the run folder's own.</param>
    public static SearchSummary Start(SearchConfig config, string runDir, IProgress<SearchProgress>? progress = null, CancellationToken cancel = default, int workers = 1,
        IEvaluationBackend? backend = null, Action<string>? warn = null, IReadOnlyList<ISearchObserver>? observers = null)
    {
        Validate(config, runDir);
        CheckWorkers(workers);
        // Paths made absolute: a run is resumed from wherever its folder is.
        static string? Full(string? path) => path is null ? null : Path.GetFullPath(path);
        var absolute = config with
        {
            Model = Path.GetFullPath(config.Model),
            Data = config.Data with { DataDir = Full(config.Data.DataDir), ValidationIndices = Full(config.Data.ValidationIndices), ValidationDir = Full(config.Data.ValidationDir) },
        };
        return Execute(absolute, runDir, progress, cancel, isNew: true, workers, backend, warn, observers ?? []);
    }

    /// <summary>
    /// Throws for anything that would stop <see cref="Start"/> before its first slow step and can be known without
    /// reading the model or the data: the settings, and a run folder that cannot be written or already holds a run.
    /// </summary>
    public static void Validate(SearchConfig config, string runDir)
    {
        config.Validate();
        OutputPath.CheckFolder(runDir, nameof(runDir), NeededBytes(config.Model));
        if (new RunStore(runDir).HasJournal)
            throw new SettingException(nameof(runDir), $"{runDir} already holds a run; continue it with {{{nameof(Resume)}}} {runDir}, or choose another folder");
    }

    /// <summary>
    /// Continues the run in <paramref name="runDir"/> from its journal. <paramref name="extension"/> lets it go further
    /// than it was set to (a larger budget, more generations, a longer time limit): the journal replays as before, and
    /// the search goes on from where it ended. The other parameters are <see cref="Start"/>'s.
    /// </summary>
    public static SearchSummary Resume(string runDir, IProgress<SearchProgress>? progress = null, CancellationToken cancel = default, int workers = 1,
        IEvaluationBackend? backend = null, SearchExtension? extension = null, Action<string>? warn = null, IReadOnlyList<ISearchObserver>? observers = null)
    {
        CheckWorkers(workers);
        var config = ReadConfig(runDir);
        // The journal is checked before any work: a broken one would only be found after the model's preparation.
        int done = new RunStore(runDir).ReadJournal().Count;
        if (extension is not null) config = config with { Options = extension.Apply(config.Options, done), FineTune = extension.FineTuneOf(config.FineTune) };
        config.Validate();
        OutputPath.CheckFolder(runDir, nameof(Resume), NeededBytes(config.Model));
        return Execute(config, runDir, progress, cancel, isNew: false, workers, backend, warn, observers ?? [], rewriteConfig: extension is not null);
    }

    /// <summary>The settings of the run in <paramref name="runDir"/> (its <c>config.json</c>).</summary>
    public static SearchConfig ReadConfig(string runDir)
    {
        var store = new RunStore(runDir);
        if (!store.HasConfig) throw new SettingException(nameof(Resume), $"{runDir} is not a run folder (no {RunStore.ConfigFile})");
        return store.ReadConfig();
    }

    /// <summary>
    /// A warning when the model does no better than chance on its own validation images (at most 1.5 times the share of one
    /// class): it is being fed inputs unlike its training's (normalisation, channels, size), and a search of it compresses noise.
    /// </summary>
    public static string? ChanceWarning(double accuracy, int classes, int images) =>
        classes > 1 && accuracy <= 150.0 / classes
            ? $"the model scores {accuracy:F1}% on its {images} validation images, about chance for {classes} classes: its inputs are probably not " +
              $"what it was trained on (check {{Normalization}}, the channels and the image size)"
            : null;

    /// <summary>
    /// The confirmation images a share of <paramref name="validation"/> held-out images makes: at least one, and at least one
    /// left to search, or the share is refused (a share that rounds to nothing would silently confirm nothing).
    /// </summary>
    public static int ConfirmationCount(double share, int validation)
    {
        int count = (int)Math.Round(share * validation);
        if (count < 1 || count >= validation)
            throw new SettingException(SettingException.Of<SearchConfig>(nameof(SearchConfig.Confirmation)),
                $"{share} of the {validation} held-out images is {count}: it must leave at least one image to confirm on and one to search on");
        return count;
    }

    // The images of a run as its search sees them. Confirmation images are set aside before anything looks at the
    // validation images: the search never sees them.
    private static DatasetSplits RunData(SearchConfig config, Model model, Action<string>? warn)
    {
        var data = ModelData.Load(model, config.Data, config.Normalization, warn);
        return config.Confirmation > 0 ? data.WithConfirmation(ConfirmationCount(config.Confirmation, data.ValidationIndices.Length), config.Options.Seed) : data;
    }

    /// <summary>
    /// The candidate <paramref name="genome"/> of the run in <paramref name="runDir"/> (by default the one it returned)
    /// built again exactly as its search built it, from what the run recorded: the same images for the channel ranking
    /// and the fill, so its weights are those of the run's <c>best.ascai</c> (<paramref name="compact"/>: of
    /// <c>best-compact.ascai</c>). A model the run fine-tuned was made by training, not by its settings: it is refused
    /// (its file is the run's). So is a folder whose model or images changed since the run (<c>inputs.json</c>).
    /// The caller disposes the model.
    /// </summary>
    public static Model Rebuild(string runDir, double[]? genome = null, bool compact = true)
    {
        var store = new RunStore(runDir);
        var config = ReadConfig(runDir);
        var returned = store.ReadSummary().Best;
        if (genome is null)
        {
            genome = returned?.Genome ?? throw new AscaiException($"{runDir}: the run returned no model");
            if (returned.FineTuned)
                throw new AscaiException($"{runDir}: the returned model was fine-tuned; its weights come from training, not from its settings, and are in {store.PathOf(RunStore.BestCompactFile)}");
        }
        using var model = ModelFile.Load(config.Model);
        var data = RunData(config, model, null);
        if (store.ReadInputs()?.Difference(InputsOf(config, data)) is { } changed)
            throw new AscaiException($"{runDir}: {changed} since the run; its models cannot be rebuilt from these inputs");
        var space = config.Evaluation.Space(model.Graph);
        if (genome.Length != space.Genes.Count) throw new AscaiException($"a genome of {genome.Length} genes for the run's {space.Genes.Count}");
        using var evaluator = config.Evaluation.Evaluator(model, data, space);
        var graph = evaluator.BuildMasked(space.Clip(genome));
        if (compact) graph = Compactor.CompactOwned(graph);
        var record = new CompressionRecord { BaseMacs = evaluator.BaseMacs, BaseParams = evaluator.BaseParams, Settings = space.Decode(genome).ToJson(), Compact = compact };
        return new Model(graph, model.Info with { Compression = record });
    }

    /// <summary>What a run of <paramref name="config"/> on <paramref name="data"/> is made from (<c>inputs.json</c>).</summary>
    private static RunInputs InputsOf(SearchConfig config, DatasetSplits data) => RunInputs.Of(config, ModelFile.Hash(config.Model), data.Fingerprint());

    private static void CheckWorkers(int workers)
    {
        if (workers < 1) throw new SettingException(nameof(workers), $"must be at least 1, got {workers}");
    }

    // The best model is written up to four times (masked, compact, ONNX, int8), each at most the size of the original; the journal is small.
    private static long NeededBytes(string model) => File.Exists(model) ? 4 * new FileInfo(model).Length + (16 << 20) : 0;

    private static SearchSummary Execute(SearchConfig config, string runDir, IProgress<SearchProgress>? progress, CancellationToken cancel, bool isNew, int workers,
        IEvaluationBackend? backend, Action<string>? warn, IReadOnlyList<ISearchObserver> observers, bool rewriteConfig = false)
    {
        var store = new RunStore(runDir);
        // One search per folder: a resume holds it from the start; a new run from when it makes the folder.
        IDisposable? folderLock = isNew ? null : store.Lock();
        try { return Execute(config, store, progress, cancel, isNew, workers, backend, warn, observers, rewriteConfig, ref folderLock); }
        finally { folderLock?.Dispose(); }
    }

    private static SearchSummary Execute(SearchConfig config, RunStore store, IProgress<SearchProgress>? progress, CancellationToken cancel, bool isNew, int workers,
        IEvaluationBackend? backend, Action<string>? warn, IReadOnlyList<ISearchObserver> observers, bool rewriteConfig, ref IDisposable? folderLock)
    {
        string runDir = store.Folder;
        using var model = ModelFile.Load(config.Model);
        // A run folder written before this rule searched such a model with the data set's normalisation: it resumes so.
        if (isNew && model.Info.NormalizationAssumed && config.Normalization is null)
            throw new SettingException(nameof(Normalization), $"is unknown: {config.Model} records no input normalisation, and a model fed other inputs than it was trained on " +
                "is compressed on noise. Give the mean and standard deviation its training used: one value for every channel, or one per channel (ImageNet's: 0.485 0.456 0.406 and 0.229 0.224 0.225)");
        var warnings = new List<string>();
        void Warn(string text) // also from the threads that take remote results
        {
            lock (warnings) warnings.Add(text);
            warn?.Invoke(text);
        }
        var data = RunData(config, model, warnings.Add);
        foreach (string warning in warnings) warn?.Invoke(warning);
        // What the run is made from: recorded when it starts, and a resume refuses anything else.
        var inputs = InputsOf(config, data);
        if (!isNew && store.ReadInputs()?.Difference(inputs) is { } changed)
            throw new SettingException(nameof(Resume), $"{runDir} cannot be resumed: {changed} since the run started. Start a new run with --out to search these inputs");
        var space = config.Evaluation.Space(model.Graph);
        if (space.Cost == Cost.CostMetric.Latency && backend is not null)
            throw new SettingException(SettingException.Of<EvaluationSpec>(nameof(EvaluationSpec.Cost)), "latency is timed on this machine, so it cannot be priced by remote workers: use macs or bops with them");
        // The floor before anything slow (channel importance, moments, the remote workers' preparation).
        double baseAccuracy = Evaluator.Evaluate(model.Graph, data.Validation, data.ValidationIndices, model.Info.Normalization, cancel: cancel)
            .EnsureFinite("the model").Accuracy;
        if (ChanceWarning(baseAccuracy, data.Validation.NumClasses, data.ValidationIndices.Length) is { } chance)
        {
            warnings.Add(chance);
            warn?.Invoke(chance);
        }
        // Under a cost target every candidate meets the (absent) accuracy floor: the cost decides feasibility.
        bool targeted = config.TargetCost is not null;
        double floor = targeted ? 0 : config.Floor(baseAccuracy);
        var accuracyFloor = new AccuracyFloor(baseAccuracy, floor, targeted ? null : config.Confidence);
        if (!targeted)
        {
            var plan = PromisePlan.For(data.ValidationIndices.Length, data.ConfirmationIndices.Length, baseAccuracy, baseAccuracy - floor, config.Confidence);
            foreach (var observer in observers) observer.Planned(plan);
            if (!plan.Supported)
            {
                warnings.Add(plan.Text);
                warn?.Invoke(plan.Text);
            }
        }
        var rejectBelow = config.EarlyRejection && !targeted ? accuracyFloor : null;
        // Remote workers evaluate exactly what the local evaluator would; it still measures the best.
        // Connect first: an unreachable server fails before minutes of local preparation.
        WorkerTrust? trust = null; // made below, after the connection, with the evaluator the backend's results are checked against
        var remoteEvaluate = backend?.Open(config, model, data, rejectBelow, (genome, result, source) => trust!.Believe(genome, result, source, cancel));
        using var evaluator = config.Evaluation.Evaluator(model, data, space);
        if (backend is not null) trust = new WorkerTrust(evaluator, backend.VerifyShare, Warn);
        var score = new ScoreFunction(config.Options.Score, baseAccuracy, floor, PenalizeGains: config.Options.PenalizeGains) { TargetCost = config.TargetCost };
        evaluator.RejectBelow = rejectBelow;
        if (isNew) // only once every check has passed: a refused run leaves no folder behind
        {
            Directory.CreateDirectory(runDir);
            folderLock ??= store.Lock();
            if (store.HasConfig) throw new SettingException(nameof(runDir), $"{runDir} holds a run already, started meanwhile by another search");
            store.WriteConfig(config);
        }
        if (isNew || store.ReadInputs() is null) store.WriteInputs(inputs); // a folder from before inputs were recorded: from now on
        // Timed once per run folder: a resumed run reads the table back.
        if (space.Cost == Cost.CostMetric.Latency)
            evaluator.Latency = LatencyTable.Open(model.Graph, config.Evaluation.LatencyBatch, TorchSharp.torch.get_num_threads(), store.PathOf(RunStore.LatencyFile),
                int8: space.Quantizes, references: space.Quantizes ? () => LatencyReferences.Draw(space, evaluator, config.Options.Seed) : null);

        using var journal = store.OpenJournal();
        using var folder = new RunFolderObserver(store, space, rewriteConfig ? config : null);
        var evaluate = remoteEvaluate ?? evaluator.Evaluate;
        Func<double[], string>? modelKey = config.DistinctModels ? g => space.ModelKey(g, config.Evaluation.ChannelMultiple) : null;
        var run = new SearchRun(space, score, evaluator.BaseCost, config.Options, evaluate, journal, progress, cancel, accuracyFloor, modelKey)
        {
            Observers = [folder, .. observers],
            Workers = backend?.Concurrency ?? workers, Status = backend is null ? null : () => backend.Status,
            ChannelImportance = evaluator.ChannelImportance,
        };
        try
        {
            SearchStrategies.Run(SearchStrategies.Create(config.Strategy), run, new Random(config.Options.Seed));
        }
        catch (OperationCanceledException)
        {
            run.Stop("interrupted");
        }
        if (run.Replaying && !cancel.IsCancellationRequested)
            throw new AscaiException($"{store.PathOf(RunStore.JournalFile)}: the search ended after {run.Evaluations} of the journal's {journal.Existing.Count} evaluations; the journal was made with other settings");
        if (!run.Replaying) folder.Replayed(); // a journal that replayed to its end with nothing new after it
        if (trust?.Summary() is { } trusted) warnings.Add(trusted);
        return Summarize(config, store, model, data, space, evaluator, run, baseAccuracy, floor, cancel, remote: backend is not null, warnings);
    }

    private static SearchSummary Summarize(SearchConfig config, RunStore store, Model model, DatasetSplits data, SearchSpace space,
        CandidateEvaluator evaluator, SearchRun run, double baseAccuracy, double floor, CancellationToken cancel, bool remote, List<string> warnings)
    {
        bool interrupted = cancel.IsCancellationRequested;
        using var scope = TorchSharp.torch.NewDisposeScope();
        var summary = new SearchSummary
        {
            Baseline = new SummaryModel
            {
                ValAccuracy = baseAccuracy, Macs = evaluator.BaseMacs, Params = evaluator.BaseParams, Bops = evaluator.BaseMacs,
                Latency = evaluator.Latency?.Original.Many, MeasuredLatency = evaluator.Latency?.Original.Many,
            },
            AccThreshold = floor, Confidence = config.TargetCost is null ? config.Confidence : null, TargetCost = config.TargetCost, Evaluations = run.Evaluations, WallSeconds = run.Elapsed.TotalSeconds,
            Strategy = config.Strategy, Methods = config.Evaluation.Methods, Cost = space.Cost.ToString().ToLowerInvariant(), Seed = config.Options.Seed, StopReason = run.StopReason ?? "done", Genes = space.Genes.Count,
            Engine = remote ? "remote workers" : evaluator.ChosenEngine?.ToString().ToLowerInvariant() ?? "", Workers = run.Workers,
            ParetoFront = run.ParetoFront().Select(r => new double[] { r.Index, r.Macs, r.Params, r.ValAccuracy, r.Bops ?? r.Macs }).ToList(),
            Split = data.Split, ValidationImages = data.ValidationIndices.Length, ConfirmationImages = data.ConfirmationIndices.Length,
            Warnings = warnings.Select(w => SettingException.Name(w, key => key)).ToList(),
        };
        // An interrupted run gets no test numbers and no summary file: it is meant to be resumed, not reported.
        if (interrupted) return summary;
        double? Test(LayerGraph g, double[] genome) => data.TestIndices.Length == 0 ? null : evaluator.Accuracy(g, data.Test, data.TestIndices, space.Int8Layers(genome));
        // Runs priced in latency check the table's predictions against the end-to-end latency of the models they report.
        var latencyErrors = new List<double>();
        (double Measured, double Predicted)? Latency(LayerGraph g, double[] genome)
        {
            if (evaluator.Latency is null) return null;
            var latency = evaluator.MeasureLatency(g, space.Int8Layers(genome));
            latencyErrors.Add(latency.Error);
            return (latency.Measured.Many, latency.Predicted.Many);
        }
        // With fine-tuning, the promise is tested twice (the search's own candidates, then the fine-tuned near misses):
        // each gets half of the risk the confidence allows, so that the one returned keeps it.
        bool tunes = config.FineTune is not null && data.TrainIndices.Length > 0;
        double riskShare = tunes ? 0.5 : 1;
        var (returned, front, confirmationFloor) = Select(config, data, evaluator, run, riskShare);
        summary = summary with
        {
            Baseline = summary.Baseline with { TestAccuracy = Test(model.Graph, space.Identity), ConfirmationAccuracy = confirmationFloor?.BaseAccuracy },
            ConfirmationThreshold = confirmationFloor?.Threshold,
        };
        // Fine-tuning may return a cheaper candidate than the search alone could; the probe tells how far its ranking holds.
        var tuning = new FrontFineTuning(model, data, evaluator, run, store.Folder);
        var tuned = new List<FineTunedModel>();
        LayerGraph? fineTuned = null;
        if (config.FineTune is not null && !tunes)
            warnings.Add($"the data has no training images: no candidate was fine-tuned ({{{SettingException.Of<FineTuneOptions>(nameof(FineTuneOptions.Epochs))}}})");
        else if (config.FineTune is { } targetTuning && config.TargetCost is not null && returned is not null)
        {
            // The most accurate within the cost, made more accurate: kept when it is, where its accuracy is stated.
            double before = front.FirstOrDefault(f => f.Index == returned.Index)?.ConfirmationAccuracy ?? returned.ValAccuracy;
            if (tuning.Improve(returned, before, targetTuning, confirmationFloor is not null, tuned, cancel) is { } improved) (returned, fineTuned) = improved;
        }
        else if (config.FineTune is { } fineTune && config.TargetCost is null
                 && tuning.Run(fineTune, confirmationFloor ?? Share(run.Floor, riskShare), confirmationFloor is not null, tuned, cancel) is { } chosen)
        {
            if (returned is null || chosen.Record.CostIn(space.Cost) < returned.CostIn(space.Cost)) (returned, fineTuned) = chosen;
            else chosen.Graph.Dispose();
        }
        if (config.Probe > 0 && data.TestIndices.Length == 0) warnings.Add($"the data has no test images: nothing was probed ({{{SettingException.Of<SearchConfig>(nameof(SearchConfig.Probe))}}})");
        var (tau, costTau, probed) = config.Probe > 0 && data.TestIndices.Length > 0 ? tuning.Probe(config.Probe, config.FineTune ?? new FineTuneOptions(), returned, cancel) : (null, null, []);
        summary = summary with { FineTuned = tuned, Probe = probed, ProbeTau = tau, ProbeCostTau = costTau };
        SummaryModel? best = null;
        if (returned is { } b)
        {
            var plan = space.Decode(b.Genome);
            var int8 = space.Int8Layers(b.Genome);
            // A fine-tuned model exists only in its compact form: no masked model is built for it.
            using var masked = fineTuned is null ? evaluator.BuildMasked(b.Genome) : null;
            using var compact = fineTuned ?? Compactor.Compact(masked!);
            var info = model.Info with { Compression = new CompressionRecord { BaseMacs = evaluator.BaseMacs, BaseParams = evaluator.BaseParams, Settings = plan.ToJson() } };
            var compactModel = new Model(compact, info with { Compression = info.Compression! with { Compact = true } });
            ModelFile.Save(masked is null ? compactModel : new Model(masked, info), store.PathOf(RunStore.BestFile));
            ModelFile.Save(compactModel, store.PathOf(RunStore.BestCompactFile));
            ModelFile.Save(compactModel, store.PathOf(RunStore.BestOnnxFile));
            // Calibrated as in the search: the file computes the accuracy the search measured.
            if (int8.Count > 0) evaluator.Quantize(compact, int8, compactModel.Info).Save(store.PathOf(RunStore.BestInt8File));
            var latency = Latency(compact, b.Genome);
            best = new SummaryModel
            {
                ValAccuracy = fineTuned is null ? b.ValAccuracy : evaluator.Measure(fineTuned, int8, cancel).ValAccuracy, TestAccuracy = Test(compact, b.Genome),
                Macs = b.Macs, MacsRatio = (double)b.Macs / evaluator.BaseMacs, Params = b.Params, Bops = b.Bops ?? b.Macs,
                Int8Layers = [.. int8.Order(StringComparer.Ordinal)], Genome = b.Genome, Settings = plan.ToJson(),
                Latency = latency?.Predicted, MeasuredLatency = latency?.Measured,
                ConfirmationAccuracy = fineTuned is not null && confirmationFloor is not null ? evaluator.Confirm(fineTuned, int8, cancel).ValAccuracy
                    : front.FirstOrDefault(f => f.Index == b.Index)?.ConfirmationAccuracy,
                FineTuned = fineTuned is not null,
            };
        }
        // The cheapest feasible candidates of the front, with their test accuracy: how far the search's ranking carries to
        // new images where it matters, near the floor (the front's costlier members are near the original model).
        front = front.Select((f, i) =>
        {
            if (best is not null && f.Index == returned!.Index) return f with { TestAccuracy = best.TestAccuracy, MeasuredLatency = best.MeasuredLatency, Returned = true };
            if (i >= FrontTested) return f;
            var genome = run.Records[f.Index].Genome;
            using var graph = evaluator.Build(genome);
            return f with { TestAccuracy = Test(graph, genome), MeasuredLatency = Latency(graph, genome)?.Measured };
        }).ToList();
        var latencyCheck = evaluator.Latency is { } table && latencyErrors.Count > 0
            ? new LatencyCheck(table.Batch, latencyErrors.Count, Evaluation.Latency.Median(latencyErrors), latencyErrors.Max(), table.Entries, table.Calibration) : null;
        summary = summary with { Best = best, Front = front, Latency = latencyCheck, Warnings = warnings.Select(w => SettingException.Name(w, key => key)).ToList(), NoModel = best is null ? NoModel(config, run, front, tuned, confirmationFloor, data) : null };
        store.WriteSummary(summary);
        return summary;
    }

    /// <summary>
    /// Why a run returned nothing, in one sentence: the candidate that came closest to the promise where it was last
    /// judged (the confirmation images, its fine-tuning, or the search's images), by how much it missed, and the three
    /// ways to a model.
    /// </summary>
    private static string NoModel(SearchConfig config, SearchRun run, List<FrontModel> front, List<FineTunedModel> tuned, AccuracyFloor? confirmationFloor, DatasetSplits data)
    {
        if (config.TargetCost is { } target)
        {
            double cheapest = run.Records.Where(r => r.Failure is null).Select(r => r.CostIn(run.Space.Cost) / Math.Max(run.BaseCost, 1e-12)).DefaultIfEmpty(1).Min();
            return $"no candidate costs at most {100 * target:0.#}% of the original's {run.Space.Cost.Name()}: the cheapest evaluated costs {100 * cheapest:F1}%. " +
                $"To get one: a larger target ({{{SettingException.Of<SearchConfig>(nameof(SearchConfig.TargetCost))}}}) or a larger budget ({{{SettingException.Of<SearchOptions>(nameof(SearchOptions.Budget))}}})";
        }
        var floor = confirmationFloor ?? run.Floor;
        string where = confirmationFloor is null ? $"the {data.ValidationIndices.Length} search images" : $"the {data.ConfirmationIndices.Length} confirmation images";
        string bound = floor.Confidence is { } c ? $" (a {100 * c:0.#}% bound on its drop)" : "";
        double Ratio(int index) => run.Records[index].CostIn(run.Space.Cost) / Math.Max(run.BaseCost, 1e-12);
        // (index, the accuracy the floor judged, how it got it)
        var near = new List<(int Index, double Judged, string How)>();
        // Only what the confirmation walk tested: a cheaper candidate past its first miss may score above the floor there,
        // but returning it would spend the promise's confidence again (FrontConfirmation).
        foreach (var f in front)
            if (f.Confirmed == false && f.ConfirmationAccuracy is { } confirmed) near.Add((f.Index, f.ConfirmationJudged ?? confirmed, "scored"));
        foreach (var t in tuned.Where(t => t.Failure is null)) near.Add((t.Index, t.Judged ?? t.JudgedOnAccuracy, "reached after fine-tuning"));
        if (confirmationFloor is null)
            foreach (var r in run.Records.Where(r => r.Failure is null)) near.Add((r.Index, r.Judged ?? r.ValAccuracy, "scored"));
        string closest = "";
        double missing = 0;
        if (near.Count > 0)
        {
            var n = near.MaxBy(x => x.Judged);
            missing = Math.Max(0, floor.Threshold - n.Judged);
            closest = $": the closest, candidate {n.Index} at {100 * Ratio(n.Index):F1}% of the {run.Space.Cost.Name()}, {n.How} {n.Judged:F2}% on {where}{bound} against a floor of {floor.Threshold:F2}%";
        }
        string drop = config.AccThreshold is { } threshold
            ? $"a lower floor ({{{SettingException.Of<SearchConfig>(nameof(SearchConfig.AccThreshold))}}} {Math.Floor((threshold - missing) * 10) / 10:0.0})"
            : $"a larger drop ({{{SettingException.Of<SearchConfig>(nameof(SearchConfig.MaxDrop))}}} {Math.Ceiling(((config.MaxDrop ?? SearchConfig.Defaults.MaxDrop) + missing) * 10) / 10:0.0})";
        string fineTune = config.FineTune is null ? $", fine-tuning of the near misses ({{{SettingException.Of<FineTuneOptions>(nameof(FineTuneOptions.Epochs))}}} 1)" : "";
        return $"no model kept the promise{closest}. To get one: more held-out images{fineTune}, or {drop}";
    }

    /// <summary>Feasible candidates the confirmation walks down at most (<see cref="SearchRun.Ladder"/>): each costs a pass over the confirmation images.</summary>
    public const int LadderRungs = 16;

    /// <summary>Feasible candidates of the front, cheapest first, that the summary gives test accuracies for.</summary>
    public const int FrontTested = 8;

    // The floor with its risk (1 - confidence) scaled by `share`.
    private static AccuracyFloor Share(AccuracyFloor floor, double share) => floor.Confidence is { } c ? floor with { Confidence = 1 - (1 - c) * share } : floor;

    private static (EvaluationRecord? Returned, List<FrontModel> Front, AccuracyFloor? ConfirmationFloor) Select(SearchConfig config, DatasetSplits data,
        CandidateEvaluator evaluator, SearchRun run, double riskShare)
    {
        // A candidate that costs what the original does (every layer kept whole) is not a result.
        var feasible = SearchRun.Ladder(run.Records.Where(r => r.Feasible && r.CostIn(run.Space.Cost) < run.BaseCost), run.Space.Cost, LadderRungs);
        if (config.TargetCost is not null)
        {
            // The most accurate within the cost (the ladder's top); its accuracy is stated on images that took no part in choosing it.
            var best = feasible.LastOrDefault();
            var rows = FrontConfirmation.Rows(feasible, evaluator.BaseMacs, run.Space.Cost);
            if (best is null || data.ConfirmationIndices.Length == 0) return (best, rows, null);
            double baseOnConfirmation = evaluator.BaseConfirmationAccuracy();
            var confirmed = evaluator.Confirm(best.Genome);
            return (best, rows.Select(r => r.Index == best.Index ? r with { ConfirmationAccuracy = confirmed.ValAccuracy } : r).ToList(), new AccuracyFloor(baseOnConfirmation, 0));
        }
        if (data.ConfirmationIndices.Length == 0)
            return (feasible.FirstOrDefault(), FrontConfirmation.Rows(feasible, evaluator.BaseMacs, run.Space.Cost), null);
        double baseConfirmation = evaluator.BaseConfirmationAccuracy();
        var floor = Share(new AccuracyFloor(baseConfirmation, config.AccThreshold ?? baseConfirmation - (config.MaxDrop ?? SearchConfig.Defaults.MaxDrop), config.Confidence), riskShare);
        var (returned, front) = FrontConfirmation.Select(feasible, g => evaluator.Confirm(g), floor, evaluator.BaseMacs, run.Space.Cost);
        return (returned, front, floor);
    }
}

/// <summary>A genome that made a model the journal already holds: one line of <c>aliases.jsonl</c>.</summary>
public sealed record ModelAlias(int Index, int Generation, double[] Genome);
