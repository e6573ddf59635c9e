using Ascai.Compression;
using Ascai.Cost;
using Ascai.Data;
using Ascai.Graph;
using Ascai.Onnx;
using Ascai.Search;
using System.Diagnostics;
using static TorchSharp.torch;

namespace Ascai.Evaluation;

/// <summary>
/// Scores genomes of one search space on one model: compress, compact (so the forward pass costs what the
/// candidate costs), measure validation accuracy and cost. A pure function of (model, genome, validation images):
/// channel importance is measured once, on the base model, before the first candidate; the validation batches are
/// made once; decompositions slice factorisations computed once per layer (<see cref="FactorCache"/>).
/// Thread-safe: independent candidates may be evaluated in parallel.
/// </summary>
public sealed class CandidateEvaluator
{
    private readonly Model _model;
    private readonly SearchSpace _space;
    private readonly CompressionContext _context;
    private readonly List<(Tensor Images, Tensor Labels)> _validation;
    private readonly int _threads;

    /// <summary>
    /// Prepares the evaluator (and channel importance and means, when the space prunes channels). The compression
    /// options (importance, fill, channel multiple, HOOI, factor cache) come from <paramref name="options"/>; data
    /// and normalisation are the evaluator's own. <paramref name="compact"/> false runs the full-size masked model
    /// (the straightforward way, for comparison); <paramref name="engine"/> picks the runtime of the forward pass.
    /// </summary>
    public CandidateEvaluator(Model model, DatasetSplits data, SearchSpace space, CompressionContext? options = null,
        EvaluationEngine engine = EvaluationEngine.TorchSharp, bool compact = true)
    {
        (_model, _space, Engine, Compacts) = (model, space, engine, compact);
        using var scope = NewDisposeScope();
        _context = (options ?? new CompressionContext { Fill = PrunedChannelFill.Mean }) with { Data = data, Normalization = model.Info.Normalization };
        if (space.Genes.Any(g => g.Method == "ps")) _context.Prepare(model.Graph);
        var profile = CostModel.Profile(model.Graph);
        BaseMacs = profile.TotalMacs;
        BaseParams = profile.TotalParams;
        ValidationImages = data.ValidationIndices.Length;
        _threads = get_num_threads();
        // Every candidate sees the same images: normalise them once, not once per candidate.
        _validation = new BatchLoader(data.Validation, model.Info.Normalization).Batches(data.ValidationIndices, Evaluator.DefaultBatchSize)
            .Select(b => (b.Images.DetachFromDisposeScope(), b.Labels.DetachFromDisposeScope())).ToList();
    }

    /// <summary>MACs of the uncompressed model.</summary>
    public long BaseMacs { get; }

    /// <summary>Parameters of the uncompressed model.</summary>
    public long BaseParams { get; }

    /// <summary>Number of validation images each candidate is scored on.</summary>
    public int ValidationImages { get; }

    /// <summary>The runtime of the forward passes.</summary>
    public EvaluationEngine Engine { get; }

    /// <summary>Whether candidates run compacted (true) or as full-size masked models.</summary>
    public bool Compacts { get; }

    /// <summary>Where the evaluations' time went.</summary>
    public CandidateTimings Timings { get; } = new();

    /// <summary>The factorisation cache the decompositions use (null when disabled).</summary>
    public FactorCache? Factors => _context.Factors;

    /// <summary>The base cost the saving is measured against: parameters for pn, MACs otherwise.</summary>
    public long BaseCost => _space.CountsParameters ? BaseParams : BaseMacs;

    /// <summary>Validation accuracy of the uncompressed model.</summary>
    public double BaseAccuracy()
    {
        using var scope = NewDisposeScope();
        return Evaluator.Evaluate(x => _model.Graph.Forward(x), _validation).EnsureFinite("the model").Accuracy;
    }

    /// <summary>Compresses by <paramref name="genome"/> (compact form unless disabled) and measures it.</summary>
    public CandidateResult Evaluate(double[] genome, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        // libtorch's OpenMP thread count is per calling thread: a parallel worker would otherwise use every core.
        set_num_threads(_threads);
        var compressed = BuildMasked(genome);
        double compress = clock.Elapsed.TotalSeconds;
        // The compressed graph is already a private copy: compact it in place rather than copying it again.
        using var graph = Compacts ? Compactor.CompactOwned(compressed) : compressed;
        var engine = NextEngine();
        using var session = engine == EvaluationEngine.OnnxRuntime ? new OnnxRuntimeSession(OnnxExporter.Export(graph), _threads, spin: false) : null;
        double build = clock.Elapsed.TotalSeconds;
        var evaluation = Evaluator.Evaluate(session is null ? x => graph.Forward(x) : session.Run, _validation, cancel);
        double forward = clock.Elapsed.TotalSeconds;
        var profile = CostModel.Profile(graph);
        Observe(engine, forward - compress, profile.TotalMacs);
        long parameters = _space.CountsParameters ? profile.TotalNonZeroParams : profile.TotalParams;
        var result = evaluation.Finite
            ? new CandidateResult(evaluation.Accuracy, profile.TotalMacs, parameters)
            : CandidateResult.Failed(profile.TotalMacs, parameters, "NaN or infinite outputs");
        Timings.Add(compress, build - compress, forward - build, clock.Elapsed.TotalSeconds - forward);
        return result;
    }

    /// <summary>The engine that runs candidates: the one configured, or for <see cref="EvaluationEngine.Auto"/> the one chosen (null while trying both).</summary>
    public EvaluationEngine? ChosenEngine
    {
        get { lock (_trials) return Engine == EvaluationEngine.Auto ? _chosen : Engine; }
    }

    /// <summary>Candidates each engine runs before <see cref="EvaluationEngine.Auto"/> chooses.</summary>
    public const int AutoTrials = 3;

    private readonly Dictionary<EvaluationEngine, (int Count, double Seconds, double Macs)> _trials = new();
    private EvaluationEngine? _chosen;

    private EvaluationEngine NextEngine()
    {
        if (Engine != EvaluationEngine.Auto) return Engine;
        lock (_trials)
        {
            if (_chosen is { } chosen) return chosen;
            // Alternate, counting the runs started, so that parallel workers also try both.
            var next = _trials.GetValueOrDefault(EvaluationEngine.TorchSharp).Count <= _trials.GetValueOrDefault(EvaluationEngine.OnnxRuntime).Count
                ? EvaluationEngine.TorchSharp : EvaluationEngine.OnnxRuntime;
            var t = _trials.GetValueOrDefault(next);
            _trials[next] = (t.Count + 1, t.Seconds, t.Macs);
            return next;
        }
    }

    private void Observe(EvaluationEngine engine, double seconds, long macs)
    {
        if (Engine != EvaluationEngine.Auto) return;
        lock (_trials)
        {
            if (_chosen is not null) return;
            var t = _trials[engine];
            _trials[engine] = (t.Count, t.Seconds + seconds, t.Macs + macs);
            var torch = _trials.GetValueOrDefault(EvaluationEngine.TorchSharp);
            var ort = _trials.GetValueOrDefault(EvaluationEngine.OnnxRuntime);
            if (torch.Count >= AutoTrials && ort.Count >= AutoTrials && torch.Macs > 0 && ort.Macs > 0)
                _chosen = torch.Seconds / torch.Macs <= ort.Seconds / ort.Macs ? EvaluationEngine.TorchSharp : EvaluationEngine.OnnxRuntime;
        }
    }

    /// <summary>The compact compressed graph of a genome (the caller disposes it).</summary>
    public LayerGraph Build(double[] genome) => Compactor.CompactOwned(BuildMasked(genome));

    /// <summary>The compressed graph with its masks in place (the caller disposes it).</summary>
    public LayerGraph BuildMasked(double[] genome) => Compressor.Apply(_model.Graph, _space.Decode(genome), _context);
}
