using System.CommandLine;
using System.Globalization;
using Ascai.Cli.Parsing;
using Ascai.Compression;
using Ascai.Evaluation;
using Ascai.Search;
using Ascai.Search.Strategies;

namespace Ascai.Cli.Commands;

/// <summary><c>ascai search</c>: the ASCAI search (or a baseline) for the per-layer setting that removes the most cost above an accuracy floor.</summary>
internal static class SearchCommand
{
    private static string Config(string property) => SettingException.Of<SearchConfig>(property);
    private static string Options(string property) => SettingException.Of<SearchOptions>(property);
    private static string Spec(string property) => SettingException.Of<EvaluationSpec>(property);
    private static readonly EvaluationSpec Defaults = new();

    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "model file to compress" }.Gives(Config(nameof(SearchConfig.Model)));
        var methods = new Option<string>("--methods")
        {
            Description = "what the genes choose per layer: pn (weight pruning), ps (channel pruning), d (SVD / Tucker-2 ranks), q (int8 or float32), or the joint sets d+ps, ps+q, d+ps+q",
            DefaultValueFactory = _ => Defaults.Methods,
        }.Gives(Spec(nameof(EvaluationSpec.Methods)));
        methods.AcceptOnlyFromAmong(SearchSpace.MethodSets);
        var cost = new Option<string?>("--cost")
        {
            Description = "what a candidate's cost is counted in: macs, params, bops (MACs x weight bits x activation bits / 1024) or latency (ONNX Runtime on this machine at --latency-batch, from a per-layer table timed once per run); default params for pn, bops when q is searched, macs otherwise",
        }.Gives(Spec(nameof(EvaluationSpec.Cost)));
        cost.AcceptOnlyFromAmong([.. Enum.GetNames<Ascai.Cost.CostMetric>().Select(n => n.ToLowerInvariant())]);
        var latencyBatch = new Option<int>("--latency-batch") { Description = "batch size of the latency --cost latency prices (batch 1 is timed too)", DefaultValueFactory = _ => Defaults.LatencyBatch }
            .Gives(Spec(nameof(EvaluationSpec.LatencyBatch)));
        var int8 = Int8Flags.Create(Defaults.Quantization);
        var maxDrop = new Option<double?>("--max-drop") { Description = $"accuracy floor as points below the model's validation accuracy (default {SearchConfig.Defaults.MaxDrop})" }.Gives(Config(nameof(SearchConfig.MaxDrop)));
        var confirmation = new Option<double>("--confirmation")
        {
            Description = "share of the held-out images kept from the search to confirm its result on: the front's candidates are re-scored there from the most accurate down, and the cheapest reached before the first that misses the floor is returned (0 = none, the paper's)",
            DefaultValueFactory = _ => SearchConfig.Defaults.Confirmation,
        }.Gives(Config(nameof(SearchConfig.Confirmation)));
        var confidence = new Option<string>("--confidence")
        {
            Description = "the floor applies to a one-sided bound on each candidate's drop against the base model, at this confidence, or to the point estimate (point, the paper's)",
            DefaultValueFactory = _ => SearchConfig.Defaults.Confidence.ToString(CultureInfo.InvariantCulture),
        }.Gives(Config(nameof(SearchConfig.Confidence)));
        var fineTuneEpochs = new Option<int>("--finetune-epochs")
        {
            Description = "after the search, fine-tune the front's cheapest near misses this many epochs each (distilled from the original) and return the cheapest that then keeps the promise; skipped when the data has no training images (0 = none, the paper's)",
            DefaultValueFactory = _ => new FineTuneOptions().Epochs,
        }
            .Gives(SettingException.Of<FineTuneOptions>(nameof(FineTuneOptions.Epochs)));
        var fineTuneTime = new Option<string?>("--finetune-time") { Description = "wall-clock budget of the fine-tuning, e.g. 10m" }.Gives(SettingException.Of<FineTuneOptions>(nameof(FineTuneOptions.TimeLimit)));
        var fineTuneCandidates = new Option<int>("--finetune-candidates") { Description = "candidates fine-tuned at most", DefaultValueFactory = _ => new FineTuneOptions().Candidates }
            .Gives(SettingException.Of<FineTuneOptions>(nameof(FineTuneOptions.Candidates)));
        var fineTuneRate = new Option<double>("--finetune-lr") { Description = "peak learning rate of the fine-tuning (cosine schedule)", DefaultValueFactory = _ => new FineTuneOptions().LearningRate }
            .Gives(SettingException.Of<FineTuneOptions>(nameof(FineTuneOptions.LearningRate)));
        var fineTuneLoss = new Option<string>("--finetune-loss") { Description = "distill (from the original model) or labels (cross-entropy only)", DefaultValueFactory = _ => new FineTuneOptions().Distill ? "distill" : "labels" };
        fineTuneLoss.AcceptOnlyFromAmong("distill", "labels");
        var bnImages = new Option<int>("--bn-reestimate") { Description = "re-estimate each candidate's batch-norm statistics on this many training images before scoring it (EagleEye; 0 = none)" }
            .Gives(Spec(nameof(EvaluationSpec.BatchNormImages)));
        var probe = new Option<int>("--probe") { Description = "fine-tune for one epoch this many candidates at about the returned model's cost, spread over their search accuracy, and report Kendall's tau between their search accuracy and their fine-tuned test accuracy (0 = none)" }
            .Gives(Config(nameof(SearchConfig.Probe)));
        var distinct = new Option<bool>("--distinct-models")
        {
            Description = "key evaluations on the model a genome decodes to, so genomes that make the same model cost one evaluation (false: on the genome)",
            DefaultValueFactory = _ => new SearchConfig { Model = "" }.DistinctModels,
        }.Gives(Config(nameof(SearchConfig.DistinctModels)));
        var earlyRejection = new Option<bool>("--early-rejection")
        {
            Description = "stop scoring a candidate once it cannot meet the floor (exact; false: score every image)",
            DefaultValueFactory = _ => new SearchConfig { Model = "" }.EarlyRejection,
        }.Gives(Config(nameof(SearchConfig.EarlyRejection)));
        var threshold = new Option<double?>("--acc-threshold") { Description = "accuracy floor in percent" }.Gives(Config(nameof(SearchConfig.AccThreshold)));
        var targetMacs = new Option<double?>("--target-macs")
        {
            Description = "the other question: the most accurate model with at most this share of the original's MACs, e.g. 0.5 (instead of the cheapest within --max-drop); its accuracy is stated on the confirmation images",
        }.Gives(Config(nameof(SearchConfig.TargetCost)));
        var targetSpeedup = new Option<double?>("--target-speedup")
        {
            Description = "the most accurate model at least this many times faster than the original in ONNX Runtime on this machine, e.g. 2 (--cost latency at its share 1/N)",
        };
        var population = new Option<int>("--population") { Description = "population size N", DefaultValueFactory = _ => SearchOptions.Defaults.Population }.Gives(Options(nameof(SearchOptions.Population)));
        var generations = new Option<int>("--generations") { Description = "generations T", DefaultValueFactory = _ => SearchOptions.Defaults.Generations }.Gives(Options(nameof(SearchOptions.Generations)));
        var budget = new Option<int?>("--budget") { Description = "evaluation budget (distinct genomes)" }.Gives(Options(nameof(SearchOptions.Budget)));
        var timeLimit = new Option<string?>("--time-limit") { Description = "wall-clock budget, e.g. 90s, 10m, 1h" }.Gives(Options(nameof(SearchOptions.TimeLimit)));
        var stagnation = new Option<int?>("--stagnation") { Description = "stop after this many generations without improvement" }.Gives(Options(nameof(SearchOptions.Stagnation)));
        var polish = new Option<int>("--polish") { Description = "evaluations for a compass-search polish of the best individual once the strategy is done (any strategy; 0 = none, the paper's)" }.Gives(Options(nameof(SearchOptions.Polish)));
        var strategy = new Option<string>("--strategy") { Description = "ascai, uniform (one ratio for every layer), global (one threshold over normalised channel importance, Torch-Pruning's global ranking; ps only), random or ddpg (AMC's reinforcement-learning agent)", DefaultValueFactory = _ => new SearchConfig { Model = "" }.Strategy }.Gives(Config(nameof(SearchConfig.Strategy)));
        var ddpgWarmup = new Option<int?>("--ddpg-warmup") { Description = "ddpg: episodes of random actions before the agent learns (default: an eighth of the budget, at most 100, AMC's 100 of 800)" }
            .Gives(SettingException.Of<DdpgOptions>(nameof(DdpgOptions.Warmup)));
        var ddpgReward = new Option<DdpgReward>("--ddpg-reward") { Description = "ddpg: flops (AMC's -error x log(MACs)) or score (ASCAI's score, penalised below the floor)", DefaultValueFactory = _ => new DdpgOptions().Reward };
        var ddpgClip = new Option<DdpgClip>("--ddpg-clip") { Description = "ddpg: none, or theta (each action at most the layer's own floor limit: the floor enforced by clipping, as AMC enforces a FLOPs target)", DefaultValueFactory = _ => new DdpgOptions().Clip };
        strategy.AcceptOnlyFromAmong(Ascai.Search.Strategies.SearchStrategies.Names);
        var init = new Option<InitMode>("--init") { Description = "warm (theta) or naive", DefaultValueFactory = _ => InitMode.Warm };
        var repair = new Option<InitRepair>("--init-repair") { Description = "infeasible warm samples: scale (resample with every draw scaled toward the original by a factor that adapts to the share found feasible), resample (the paper's) or shrink toward the original", DefaultValueFactory = _ => SearchOptions.Defaults.InitRepair };
        var score = new Option<ScoreForm>("--score") { Description = "ascai (s/PEN) or genecai (exp(100 s)/PEN)", DefaultValueFactory = _ => ScoreForm.Ascai };
        var constraint = new Option<ConstraintHandling>("--constraint") { Description = "individuals below the floor: penalty (they compete through Eq. 4's penalty, the paper's) or strict (never selected while one above the floor exists)", DefaultValueFactory = _ => ConstraintHandling.Penalty };
        var selection = new Option<SelectionScheme>("--selection") { Description = "how parents are drawn: proportional (to the min-normalised score, the paper's) or tournament (the best of --tournament-size drawn at random; only the scores' order matters)", DefaultValueFactory = _ => SelectionScheme.Proportional };
        var tournamentSize = new Option<int>("--tournament-size") { Description = "contestants per tournament", DefaultValueFactory = _ => SearchOptions.Defaults.TournamentSize }.Gives(Options(nameof(SearchOptions.TournamentSize)));
        var importance = new Option<ImportanceCriterion>("--importance") { Description = "channel ranking for ps: taylor or l1", DefaultValueFactory = _ => Defaults.Importance };
        var fill = CommonOptions.Fill();
        var multiple = CommonOptions.ChannelMultiple();
        var coupled = new Option<bool>("--coupled-residuals")
        {
            Description = "ps also prunes the channels residual sums tie (each ResNet stage's stem or shortcut and its blocks' last convs, as one gene)",
            DefaultValueFactory = _ => Defaults.CoupledResiduals,
        }.Gives(Spec(nameof(EvaluationSpec.CoupledResiduals)));
        var discreteRatios = new Option<bool>("--discrete-ratios")
        {
            Description = "each ps gene takes only the ratios that give distinct kept-channel counts under --channel-multiple (32 channels under 8: 0, 0.25, 0.5, 0.75), so mutations always change the model; off: any ratio (the paper's)",
            DefaultValueFactory = _ => Defaults.DiscreteRatios,
        }.Gives(Spec(nameof(EvaluationSpec.DiscreteRatios)));
        var include = new Option<string[]>("--include") { Description = "only layers matching these globs", AllowMultipleArgumentsPerToken = true }.Gives(Spec(nameof(EvaluationSpec.Include)));
        var exclude = new Option<string[]>("--exclude") { Description = "leave layers matching these globs alone", AllowMultipleArgumentsPerToken = true }.Gives(Spec(nameof(EvaluationSpec.Exclude)));
        var pCross = new Option<double>("--p-cross") { DefaultValueFactory = _ => SearchOptions.Defaults.CrossoverProbability, Description = "crossover probability of a pair" }.Gives(Options(nameof(SearchOptions.CrossoverProbability)));
        var pSwap = new Option<double>("--p-swap") { DefaultValueFactory = _ => SearchOptions.Defaults.SwapProbability, Description = "swap probability of an element" }.Gives(Options(nameof(SearchOptions.SwapProbability)));
        var pMutate = new Option<double>("--p-mutate") { DefaultValueFactory = _ => SearchOptions.Defaults.MutationProbability, Description = "mutation probability of an individual" }.Gives(Options(nameof(SearchOptions.MutationProbability)));
        var pTweak = new Option<double>("--p-tweak") { DefaultValueFactory = _ => SearchOptions.Defaults.TweakProbability, Description = "tweak probability of an element" }.Gives(Options(nameof(SearchOptions.TweakProbability)));
        var engine = new Option<EvaluationEngine>("--engine") { Description = "runtime of the candidates' forward passes: torchsharp, onnxruntime, or auto (tries both, keeps the faster; same accuracies)", DefaultValueFactory = _ => Defaults.Engine };
        var workers = new Option<int>("--workers") { Description = "candidates evaluated at once; the threads are shared among them (same result for any number)", DefaultValueFactory = _ => 1 };
        var backend = new Option<string>("--backend") { Description = "where candidates are evaluated: local (this process) or nats (ascai worker processes)", DefaultValueFactory = _ => "local" };
        backend.AcceptOnlyFromAmong("local", "nats");
        var nats = new Option<string?>("--nats") { Description = "NATS server URL for --backend nats, e.g. nats://10.0.0.5:4222" }.Gives(SettingException.Of<Ascai.Distributed.NatsEndpoint>(nameof(Ascai.Distributed.NatsEndpoint.Url)));
        var natsToken = CommonOptions.NatsToken();
        var inFlight = new Option<int>("--in-flight") { Description = "with --backend nats: candidates queued for the workers at once", DefaultValueFactory = _ => Ascai.Distributed.NatsBackend.DefaultInFlight };
        var verifyWorkers = new Option<double>("--verify-workers")
        {
            Description = "with --backend nats: the share of worker results evaluated again on this machine; a worker that disagrees is no longer believed (every result is checked for consistency regardless)",
        }.Gives("verifyShare");
        var output = CommonOptions.Output("run folder to create", required: false);
        var resume = new Option<string?>("--resume") { Description = "run folder to continue (its config.json is used; --budget, --generations, --stagnation and --time-limit may extend it)" };
        var data = DataFlags.Create();
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads();
        var mean = CommonOptions.Mean();
        var std = CommonOptions.Std();
        var preset = new Option<string>("--preset")
        {
            Description = "default (the promise kept on images the search never saw: a confirmation split, a 90% bound, fine-tuning of near misses) or paper " +
                "(the paper's setting: the floor on the point estimate, no confirmation, no fine-tuning, zeroed channels, exact channel counts, the resampling warm start, gains penalised); flags given beside it win",
            DefaultValueFactory = _ => "default",
        };
        preset.AcceptOnlyFromAmong("default", "paper");
        var command = new Command("search", "search per-layer compression settings (ASCAI genetic algorithm, or a baseline)")
        {
            preset, model, methods, maxDrop, threshold, targetMacs, targetSpeedup, confirmation, confidence, fineTuneEpochs, fineTuneTime, fineTuneCandidates, fineTuneRate, fineTuneLoss, bnImages, probe, distinct, earlyRejection, population, generations, budget, timeLimit, stagnation, polish, strategy, ddpgWarmup, ddpgReward, ddpgClip, init, repair, score, constraint,
            selection, tournamentSize, importance, fill, multiple, coupled, discreteRatios, include, exclude, pCross, pSwap, pMutate, pTweak, seed, output, resume, threads, mean, std,
            engine, workers, backend, nats, natsToken, inFlight, verifyWorkers, cost, latencyBatch,
        };
        foreach (var option in data.All.Concat(int8.Calibration)) command.Add(option);
        // Options that only say where and how fast to run; the others define the run, which --resume reads from its folder.
        Option[] execution = [threads, engine, workers, backend, nats, natsToken, inFlight, verifyWorkers, data.ImageCache];
        Option[] extensions = [budget, generations, stagnation, timeLimit];
        // The fine-tuning after the search reads the journal and does not write it: a resumed run may change it.
        Option[] fineTuning = [fineTuneEpochs, fineTuneTime, fineTuneCandidates, fineTuneRate, fineTuneLoss];
        // The fine-tuning the flags give, over `run` (the run's own, or the defaults): null when they ask for none.
        FineTuneOptions? FineTuneFrom(ParseResult parse, FineTuneOptions run, int epochs)
        {
            if (epochs == 0)
            {
                if (parse.GetValue(fineTuneTime) is not null) throw new AscaiException("--finetune-time needs fine-tuning: give --finetune-epochs N too");
                return null;
            }
            T Pick<T>(Option<T> option, T fallback) => CommonOptions.Given(parse, option) ? parse.GetValue(option)! : fallback;
            return run with
            {
                Epochs = epochs, TimeLimit = CommonOptions.Given(parse, fineTuneTime) ? ParseDuration(parse.GetValue(fineTuneTime), "--finetune-time") : run.TimeLimit,
                Candidates = Pick(fineTuneCandidates, run.Candidates), LearningRate = Pick(fineTuneRate, run.LearningRate),
                Distill = CommonOptions.Given(parse, fineTuneLoss) ? parse.GetValue(fineTuneLoss) == "distill" : run.Distill,
            };
        }
        command.SetAction((parse, cancel) =>
        {
            int workerCount = parse.GetValue(workers);
            CommonOptions.CheckThreads(parse.GetValue(threads));
            if (workerCount is < 1 or > 1024) throw new AscaiException($"--workers must be between 1 and 1024, got {workerCount}");
            if (parse.GetValue(inFlight) is < 1 or > 100_000) throw new AscaiException($"--in-flight must be between 1 and 100000, got {parse.GetValue(inFlight)}");
            bool remote = parse.GetValue(backend) == "nats";
            string? natsUrl = parse.GetValue(nats);
            if (remote && natsUrl is null) throw new AscaiException("--backend nats needs --nats URL");
            if (!remote && natsUrl is not null) throw new AscaiException("--nats is only used with --backend nats");
            if (!remote && CommonOptions.Given(parse, verifyWorkers)) throw new AscaiException("--verify-workers is only used with --backend nats");
            if (parse.GetValue(verifyWorkers) is not (>= 0 and <= 1)) throw new AscaiException($"--verify-workers must be a share in [0, 1], got {parse.GetValue(verifyWorkers)}");
            if (remote) new Ascai.Distributed.NatsEndpoint(natsUrl!).Validate();
            if (remote && parse.GetValue(cost) == "latency") throw new AscaiException("--cost latency is timed on this machine, so it cannot be priced by remote workers: use macs or bops with --backend nats");
            string? resumeDir = parse.GetValue(resume);
            Func<IProgress<SearchProgress>, SearchSummary> search;
            string runDir;
            Ascai.Distributed.NatsBackend? Backend() => remote
                ? new Ascai.Distributed.NatsBackend(new Ascai.Distributed.NatsEndpoint(natsUrl!, parse.GetValue(natsToken)), parse.GetValue(inFlight), parse.GetValue(verifyWorkers)) : null;
            if (resumeDir is not null)
            {
                // Everything that defines the run is in its folder; what is typed beside --resume either extends it or is refused.
                var defining = command.Options.Where(o => o != resume && !execution.Contains(o) && !extensions.Contains(o) && !fineTuning.Contains(o) && CommonOptions.Given(parse, o)).ToList();
                if (defining.Count > 0)
                    throw new AscaiException($"{defining[0].Name} cannot be given with --resume: the run's settings are in {Path.Combine(resumeDir, RunStore.ConfigFile)} " +
                        "(--budget, --generations, --stagnation and --time-limit may extend it, the --finetune-* flags change the fine-tuning after it; start a new run with --out to change the rest)");
                bool retune = fineTuning.Any(o => CommonOptions.Given(parse, o));
                var runFineTune = retune ? SearchRunner.ReadConfig(resumeDir).FineTune ?? new FineTuneOptions() : null;
                var fineTune = runFineTune is null ? null
                    : FineTuneFrom(parse, runFineTune, CommonOptions.Given(parse, fineTuneEpochs) ? parse.GetValue(fineTuneEpochs) : runFineTune.Epochs);
                var extension = new SearchExtension
                {
                    Budget = parse.GetValue(budget), Generations = CommonOptions.Given(parse, generations) ? parse.GetValue(generations) : null,
                    Stagnation = parse.GetValue(stagnation), TimeLimit = ParseDuration(parse.GetValue(timeLimit)),
                    FineTune = fineTune, WithoutFineTune = retune && fineTune is null,
                };
                runDir = resumeDir;
                search = p =>
                {
                    using var nats = Backend();
                    return SearchRunner.Resume(resumeDir, p, cancel, workerCount, nats, extension.IsEmpty ? null : extension, CommonOptions.Warn, [SearchDisplay.Plan]);
                };
            }
            else
            {
                runDir = parse.GetValue(output) ?? throw new AscaiException("--out RUN_DIR is required (or --resume RUN_DIR)");
                // The preset's value for every flag left out; a flag given beside it wins.
                var paper = parse.GetValue(preset) == "paper" ? new SearchConfig { Model = "" }.Paper() : null;
                T Value<T>(Option<T> option, Func<SearchConfig, T> fromPreset) => paper is not null && !CommonOptions.Given(parse, option) ? fromPreset(paper) : parse.GetValue(option)!;
                var fineTune = FineTuneFrom(parse, new FineTuneOptions(), Value(fineTuneEpochs, p => p.FineTune?.Epochs ?? 0));
                double? speedup = parse.GetValue(targetSpeedup);
                if (speedup is { } x && !(x > 1 && x < 1e6)) throw new AscaiException($"--target-speedup must be above 1, got {x}");
                if (speedup is not null && parse.GetValue(targetMacs) is not null) throw new AscaiException("--target-macs and --target-speedup both set the cost target: give one");
                string? costName = speedup is not null ? "latency" : parse.GetValue(targetMacs) is not null && parse.GetValue(cost) is null ? "macs" : parse.GetValue(cost);
                if (speedup is not null && parse.GetValue(cost) is { } named && named != "latency") throw new AscaiException($"--target-speedup prices candidates in latency, not --cost {named}");
                if (parse.GetValue(targetMacs) is not null && costName != "macs") throw new AscaiException($"--target-macs counts MACs, not --cost {costName}");
                var config = new SearchConfig
                {
                    Model = parse.GetValue(model) ?? throw new AscaiException("--model is required"), Data = data.Read(parse),
                    Evaluation = new EvaluationSpec
                    {
                        Methods = parse.GetValue(methods)!, Include = parse.GetValue(include) ?? [], Exclude = parse.GetValue(exclude) ?? [],
                        Importance = parse.GetValue(importance), Fill = Value(fill, p => p.Evaluation.Fill), ChannelMultiple = Value(multiple, p => p.Evaluation.ChannelMultiple),
                        CoupledResiduals = parse.GetValue(coupled), DiscreteRatios = Value(discreteRatios, p => p.Evaluation.DiscreteRatios), Engine = parse.GetValue(engine),
                        BatchNormImages = Value(bnImages, p => p.Evaluation.BatchNormImages),
                        Cost = costName is { } metric ? Enum.Parse<Ascai.Cost.CostMetric>(metric, ignoreCase: true) : null,
                        Quantization = int8.Read(parse, withLayers: false), LatencyBatch = parse.GetValue(latencyBatch),
                    },
                    AccThreshold = parse.GetValue(threshold), MaxDrop = parse.GetValue(maxDrop), Strategy = parse.GetValue(strategy)!,
                    TargetCost = parse.GetValue(targetMacs) ?? (speedup is { } s ? 1 / s : null),
                    Confirmation = Value(confirmation, p => p.Confirmation), Confidence = ParseConfidence(Value(confidence, p => p.Confidence is { } c ? c.ToString(CultureInfo.InvariantCulture) : "point")),
                    FineTune = fineTune,
                    Probe = parse.GetValue(probe), DistinctModels = Value(distinct, p => p.DistinctModels), EarlyRejection = Value(earlyRejection, p => p.EarlyRejection),
                    Normalization = CommonOptions.Normalization(parse, mean, std),
                    Options = new SearchOptions
                    {
                        Population = parse.GetValue(population), Generations = parse.GetValue(generations), Budget = parse.GetValue(budget),
                        TimeLimit = ParseDuration(parse.GetValue(timeLimit)), Stagnation = parse.GetValue(stagnation), Polish = parse.GetValue(polish), Seed = parse.GetValue(seed),
                        Init = parse.GetValue(init), InitRepair = Value(repair, p => p.Options.InitRepair), Score = parse.GetValue(score), Constraint = parse.GetValue(constraint),
                        Selection = parse.GetValue(selection), TournamentSize = parse.GetValue(tournamentSize), CrossoverProbability = parse.GetValue(pCross),
                        SwapProbability = parse.GetValue(pSwap), MutationProbability = parse.GetValue(pMutate), TweakProbability = parse.GetValue(pTweak),
                        PenalizeGains = paper is not null,
                        Ddpg = new DdpgOptions { Warmup = parse.GetValue(ddpgWarmup), Reward = parse.GetValue(ddpgReward), Clip = parse.GetValue(ddpgClip) },
                    },
                };
                SearchRunner.Validate(config, runDir);
                if (!File.Exists(config.Model)) throw new AscaiException($"{config.Model}: no such model file");
                search = p =>
                {
                    using var nats = Backend();
                    return SearchRunner.Start(config, runDir, p, cancel, workerCount, nats, CommonOptions.Warn, [SearchDisplay.Plan]);
                };
            }
            CommonOptions.ApplyThreads(parse.GetValue(threads), workerCount, "--workers");
            var summary = SearchDisplay.Run(search);
            return Task.FromResult(SearchDisplay.Finish(summary, runDir));
        });
        return command;
    }

    /// <summary>"point" (null) or a confidence level.</summary>
    internal static double? ParseConfidence(string text) =>
        text.Equals("point", StringComparison.OrdinalIgnoreCase) ? null
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double c) ? c
        : throw new AscaiException($"--confidence '{text}' is neither a confidence such as 0.9 nor 'point'");

    /// <summary>Parses 90, 90s, 10m, 1.5h into a duration.</summary>
    internal static TimeSpan? ParseDuration(string? text, string flag = "--time-limit")
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        char unit = char.IsLetter(text[^1]) ? char.ToLowerInvariant(text[^1]) : 's';
        string number = char.IsLetter(text[^1]) ? text[..^1] : text;
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value > 0) || unit is not ('s' or 'm' or 'h')
            || value * unit switch { 'h' => 3600, 'm' => 60, _ => 1 } > TimeSpan.MaxValue.TotalSeconds / 2)
            throw new AscaiException($"{flag} '{text}' is not a duration such as 90s, 10m or 1h");
        return unit switch { 'h' => TimeSpan.FromHours(value), 'm' => TimeSpan.FromMinutes(value), _ => TimeSpan.FromSeconds(value) };
    }
}
