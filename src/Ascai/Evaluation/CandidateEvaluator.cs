using Ascai.Compression;
using Ascai.Cost;
using Ascai.Data;
using Ascai.Graph;
using Ascai.Onnx;
using Ascai.Quantization;
using System.Diagnostics;
using static TorchSharp.torch;

namespace Ascai.Evaluation;

/// <summary>
/// Scores genomes of one search space on one model: compress, compact (so the forward pass costs what the
/// candidate costs), measure validation accuracy and cost, and compare with the base model image by image. A pure
/// function of (model, genome, validation images): channel importance is measured once, on the base model, before
/// the first candidate; the validation batches are made once; decompositions slice factorisations computed once per
/// layer (<see cref="FactorCache"/>). The confirmation images, when the data has them, are scored only when asked
/// (<see cref="Confirm(double[], CancellationToken)"/>), never by the search itself. Thread-safe: independent candidates may be evaluated in
/// parallel. A candidate with int8 layers (a space with precision genes) is quantised as it would be deployed: batch-norms
/// folded, activation ranges calibrated on training images, and scored as an ONNX QDQ model in ONNX Runtime, whatever
/// the engine. Holds the image batches as native tensors: dispose it.
/// </summary>
public sealed class CandidateEvaluator : IDisposable
{
    private readonly Model _model;
    private readonly SearchSpace _space;
    private readonly CompressionContext _context;
    private readonly ScoredImages _validation;
    private readonly Lazy<ScoredImages?> _confirmation;
    private readonly int _threads;
    private readonly int _batchSize;
    private readonly Int8Options _quantization;
    // Normalised once: every int8 candidate is calibrated on the same images.
    private readonly Lazy<List<Tensor>> _calibration;

    /// <summary>
    /// Prepares the evaluator (and channel importance and means, when the space prunes channels). The compression
    /// options (importance, fill, channel multiple, HOOI, factor cache) come from <paramref name="options"/>; data
    /// and normalisation are the evaluator's own. <paramref name="compact"/> false runs the full-size masked model
    /// (the straightforward way, for comparison); <paramref name="engine"/> picks the runtime of the forward pass;
    /// <paramref name="quantization"/> says how int8 candidates are calibrated.
    /// </summary>
    public CandidateEvaluator(Model model, DatasetSplits data, SearchSpace space, CompressionContext? options = null,
        EvaluationEngine engine = EvaluationEngine.TorchSharp, bool compact = true, Int8Options? quantization = null)
    {
        if (space.Quantizes && data.CalibrationIndices.Length == 0)
            throw new AscaiException("searching int8 layers needs calibration images, and the training split has none");
        _quantization = quantization ?? new EvaluationSpec().Quantization;
        _quantization.Validate();
        (_model, _space, Engine, Compacts) = (model, space, engine, compact);
        using var scope = NewDisposeScope();
        _context = (options ?? new EvaluationSpec().Context()) with { Data = data, Normalization = model.Info.Normalization };
        if (space.Genes.Any(g => g.Method == "ps")) _context.Prepare(model.Graph);
        var profile = CostModel.Profile(model.Graph);
        BaseMacs = profile.TotalMacs;
        BaseParams = profile.TotalParams;
        ValidationImages = data.ValidationIndices.Length;
        _threads = get_num_threads();
        // A candidate is never larger than the model: the model's batch fits every candidate's activations.
        _batchSize = Evaluator.BatchSize(model.Graph);
        // Every candidate sees the same images: read them once, not once per candidate.
        _validation = new ScoredImages(model, data.Validation, data.ValidationIndices, _batchSize);
        _confirmation = new(() => data.ConfirmationIndices.Length == 0 ? null : new ScoredImages(model, data.Validation, data.ConfirmationIndices, _batchSize));
        _calibration = new(() => new BatchLoader(data.Train, model.Info.Normalization)
            .Batches(data.CalibrationIndices.Take(_quantization.CalibrationImages).ToArray(), _batchSize)
            .Select(b => { b.Labels.Dispose(); return b.Images.DetachFromDisposeScope(); }).ToList());
    }

    /// <summary>
    /// Images scored by every candidate, read once and kept as their source holds them (bytes: a 224 px image takes
    /// 150 KB, not the 600 of its normalised floats), with the base model's result on each, computed on first use
    /// (<see cref="EvaluationResult.PerImage"/>), so that each candidate can be compared with it image by image.
    /// </summary>
    private sealed class ScoredImages : IDisposable
    {
        private readonly BatchLoader _loader;
        private readonly Lazy<EvaluationResult> _base;

        public ScoredImages(Model model, ImageDataset images, int[] indices, int batchSize)
        {
            _loader = new BatchLoader(images, model.Info.Normalization);
            Stored = _loader.StoredBatches(indices, batchSize).Select(b => (b.Pixels.DetachFromDisposeScope(), b.Labels.DetachFromDisposeScope())).ToList();
            _base = new(() =>
            {
                using var scope = NewDisposeScope();
                return Evaluator.Evaluate(x => model.Graph.Forward(x), Stored.Select(b => (Input(b.Pixels), b.Labels)), perImage: true).EnsureFinite("the model");
            });
        }

        /// <summary>The batches as stored; <see cref="Input"/> makes a batch the model's input.</summary>
        public List<(Tensor Pixels, Tensor Labels)> Stored { get; }

        /// <summary>A stored batch normalised, in the caller's dispose scope (the same floats as a <see cref="BatchLoader"/> batch).</summary>
        public Tensor Input(Tensor pixels) => _loader.Normalise(pixels);

        public EvaluationResult Base => _base.Value;

        public void Dispose()
        {
            foreach (var (x, y) in Stored) { x.Dispose(); y.Dispose(); }
        }
    }

    /// <summary>
    /// The floor below which a candidate is rejected as soon as its errors put it out of reach, before the rest of the
    /// validation images (null: every image is scored). The decision is exact; only the accuracy recorded for a
    /// rejected candidate is a bound. Set before the first evaluation.
    /// </summary>
    public AccuracyFloor? RejectBelow { get; set; }

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

    /// <summary>The importance score of each channel by channel group, as channel pruning ranks them (measured once per model).</summary>
    public IReadOnlyDictionary<string, float[]> ChannelImportance()
    {
        using var scope = NewDisposeScope();
        using var masked = _model.Graph.Clone();
        Ascai.Compression.MaskPlacement.EnsureAll(masked);
        return _context.ImportanceOf(masked);
    }

    /// <summary>
    /// Prices candidates in predicted latency (their <see cref="CandidateResult.Latency"/>); needed when the space's cost is
    /// latency. Set before the first evaluation.
    /// </summary>
    public LatencyTable? Latency { get; set; }

    /// <summary>The base cost the saving is measured against, in the space's metric (a float32 model's BOPs are its MACs; its latency is measured).</summary>
    public double BaseCost => _space.Cost == CostMetric.Latency
        ? (Latency ?? throw new InvalidOperationException("a latency cost needs a latency table")).Original.Many
        : _space.Cost.Select(BaseMacs, BaseParams, BaseMacs, double.NaN);

    /// <summary>Validation accuracy of the uncompressed model.</summary>
    public double BaseAccuracy() => _validation.Base.Accuracy;

    /// <summary>Accuracy of the uncompressed model on the confirmation images; throws when the data has none.</summary>
    public double BaseConfirmationAccuracy() => Confirmation.Base.Accuracy;

    private ScoredImages Confirmation => _confirmation.Value ?? throw new InvalidOperationException("the data set has no confirmation images");

    /// <summary>Compresses by <paramref name="genome"/> (compact form unless disabled) and measures it on the validation images.</summary>
    public CandidateResult Evaluate(double[] genome, CancellationToken cancel = default)
    {
        // A genome from a message (a remote worker's task) is checked like any input: its length, then its range.
        if (genome.Length != _space.Genes.Count) throw new AscaiException($"a genome of {genome.Length} genes for a search space of {_space.Genes.Count}");
        genome = _space.Clip(genome);
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        // libtorch's OpenMP thread count is per calling thread: a parallel worker would otherwise use every core.
        set_num_threads(_threads);
        var compressed = BuildMasked(genome);
        double compress = clock.Elapsed.TotalSeconds;
        // The compressed graph is already a private copy: compact it in place rather than copying it again.
        using var graph = Compacts ? Compactor.CompactOwned(compressed) : compressed;
        return Measure(graph, _space.Int8Layers(genome), _validation, clock, compress, cancel, reject: RejectBelow);
    }

    /// <summary>The candidate of <paramref name="genome"/> measured on the confirmation images, against the base model there.</summary>
    public CandidateResult Confirm(double[] genome, CancellationToken cancel = default)
    {
        using var scope = NewDisposeScope();
        using var graph = Build(genome);
        return Confirm(graph, _space.Int8Layers(genome), cancel);
    }

    /// <summary>
    /// A compressed model (a fine-tuned candidate, say) measured on the confirmation images, against the base model there,
    /// with <paramref name="int8"/> (layers of the original model) quantised.
    /// </summary>
    public CandidateResult Confirm(LayerGraph graph, IReadOnlySet<string>? int8 = null, CancellationToken cancel = default)
    {
        using var scope = NewDisposeScope();
        set_num_threads(_threads);
        return Measure(graph, int8, Confirmation, Stopwatch.StartNew(), 0, cancel, timed: false);
    }

    /// <summary>
    /// Throws <see cref="AscaiException"/> unless <paramref name="result"/>, computed elsewhere for <paramref name="genome"/> (a
    /// remote worker's), is one this evaluator could have made: the genome's own MACs, parameters and bit-operations (its
    /// model built here, no forward pass), all the validation images scored, and an accuracy that the comparison with the
    /// base model accounts for (base right, minus the images it gets wrong that the base gets right, plus the reverse).
    /// <paramref name="source"/> names where it came from.
    /// </summary>
    public void Check(double[] genome, CandidateResult result, string source)
    {
        string Refused(string why) => throw new AscaiException($"{source} sent a result that cannot be right for its candidate: {why}");
        using (var scope = NewDisposeScope())
        using (var graph = Build(genome))
        {
            var profile = CostModel.Profile(graph);
            long parameters = _space.PrunesWeights ? profile.TotalNonZeroParams : profile.TotalParams;
            long bops = profile.TotalBops(Int8Quantizer.NodesOf(graph, _space.Int8Layers(genome)));
            if (result.Macs != profile.TotalMacs || result.Params != parameters || (result.Bops ?? result.Macs) != bops)
                Refused($"{result.Macs:N0} MACs, {result.Params:N0} parameters, {result.Bops ?? result.Macs:N0} BOPs where its model has {profile.TotalMacs:N0}, {parameters:N0} and {bops:N0}");
        }
        if (result.Failure is not null) return; // no accuracy: it counts as below every floor
        int n = ValidationImages, baseCorrect = _validation.Base.Correct;
        if (result.Images != n) Refused($"scored on {result.Images} images, the job has {n}");
        if (!(result.ValAccuracy is >= 0 and <= 100)) Refused($"accuracy {result.ValAccuracy}");
        if (result.Worse is not { } worse || result.Better is not { } better || worse < 0 || better < 0 || worse > baseCorrect || better > n - baseCorrect)
            Refused($"{result.Worse?.ToString() ?? "no"} images worse and {result.Better?.ToString() ?? "no"} better than the original, which gets {baseCorrect} of {n} right");
        else if (Math.Abs(result.ValAccuracy - 100.0 * (baseCorrect - worse + better) / n) > 1e-9)
            Refused($"accuracy {result.ValAccuracy}% where its comparison with the original gives {100.0 * (baseCorrect - worse + better) / n}%");
        if (result.RejectedAfter is { } after && (after < 1 || after >= n)) Refused($"rejected after {after} of {n} images");
    }

    /// <summary>A compressed model measured on the validation images, against the base model there, with <paramref name="int8"/> quantised.</summary>
    public CandidateResult Measure(LayerGraph graph, IReadOnlySet<string>? int8 = null, CancellationToken cancel = default)
    {
        using var scope = NewDisposeScope();
        set_num_threads(_threads);
        return Measure(graph, int8, _validation, Stopwatch.StartNew(), 0, cancel, timed: false);
    }

    private CandidateResult Measure(LayerGraph graph, IReadOnlySet<string>? int8, ScoredImages images, Stopwatch clock, double compress, CancellationToken cancel,
        bool timed = true, AccuracyFloor? reject = null)
    {
        var int8Nodes = Int8Quantizer.NodesOf(graph, int8 ?? new HashSet<string>());
        // An int8 model runs where it is deployed; only float candidates take part in the engine trials of auto.
        bool quantized = int8Nodes.Count > 0;
        var engine = quantized ? EvaluationEngine.OnnxRuntime : NextEngine();
        using var session = engine == EvaluationEngine.OnnxRuntime ? new OnnxRuntimeSession(Onnx(graph, int8Nodes), _threads, spin: false) : null;
        double build = clock.Elapsed.TotalSeconds;
        var profile = CostModel.Profile(graph);
        long parameters = _space.PrunesWeights ? profile.TotalNonZeroParams : profile.TotalParams;
        var result = Score(session is null ? x => graph.Forward(x) : session.Run, images, profile.TotalMacs, parameters, reject, cancel)
            with { Bops = profile.TotalBops(int8Nodes) };
        double forward = clock.Elapsed.TotalSeconds;
        // After the forward pass's clock: timing new table entries is not the candidate's forward time.
        if (Latency is not null) result = result with { Latency = Latency.Predict(graph, int8Nodes).Many };
        // Auto picks its engine on full passes only: a rejected candidate's time says nothing of the engine's speed.
        if (timed && result.RejectedAfter is null && !quantized) Observe(engine, forward - compress, profile.TotalMacs);
        if (timed) Timings.Add(compress, build - compress, forward - build, clock.Elapsed.TotalSeconds - forward);
        return result;
    }

    /// <summary>
    /// The latency of a compressed <paramref name="graph"/> with <paramref name="int8"/> quantised, measured end to end
    /// beside the original as the latency table times its layers, and as the table predicts it.
    /// </summary>
    public LatencyMeasurement MeasureLatency(LayerGraph graph, IReadOnlySet<string> int8)
    {
        var table = Latency ?? throw new InvalidOperationException("no latency table");
        using var scope = NewDisposeScope();
        var int8Nodes = Int8Quantizer.NodesOf(graph, int8);
        var (measured, original) = table.MeasureBesideOriginal(Onnx(graph, int8Nodes), graph.InputShape);
        return new(measured, table.Predict(graph, int8Nodes), original, table.Original);
    }

    // The ONNX model of a candidate: float32, or QDQ with its int8 nodes calibrated on the evaluator's calibration images.
    private byte[] Onnx(LayerGraph graph, IReadOnlySet<string> int8Nodes) => int8Nodes.Count == 0
        ? OnnxExporter.Export(graph)
        : Int8Quantizer.Quantize(graph, _model.Info, int8Nodes, () => _calibration.Value, _quantization).Onnx;

    /// <summary>
    /// The int8 model of a compressed <paramref name="graph"/> with <paramref name="int8"/> (layers of the original model)
    /// quantised, calibrated exactly as the search's candidates are, so that it computes what the search measured.
    /// </summary>
    public Int8Model Quantize(LayerGraph graph, IReadOnlySet<string> int8, ModelInfo info)
    {
        using var scope = NewDisposeScope();
        return Int8Quantizer.Quantize(graph, info, Int8Quantizer.NodesOf(graph, int8), () => _calibration.Value, _quantization);
    }

    // Batch by batch, against the base model's results on the same images; with a floor to reject below, stops once even
    // the best the remaining images allow (every one right) would not meet it.
    private static CandidateResult Score(Func<Tensor, Tensor> forward, ScoredImages images, long macs, long parameters, AccuracyFloor? reject,
        CancellationToken cancel)
    {
        var baseCorrect = images.Base.PerImage!;
        int n = baseCorrect.Length, seen = 0, correct = 0, worse = 0, better = 0;
        int baseWrongLeft = baseCorrect.Count(c => !c);
        using var _ = inference_mode();
        foreach (var (pixels, labels) in images.Stored)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var logits = forward(images.Input(pixels));
            if (!logits.isfinite().all().item<bool>()) return CandidateResult.Failed(macs, parameters, "NaN or infinite outputs");
            var hits = logits.argmax(1).eq(labels).data<bool>().ToArray();
            foreach (bool hit in hits)
            {
                bool before = baseCorrect[seen++];
                if (!before) baseWrongLeft--;
                if (hit) correct++;
                if (before && !hit) worse++;
                else if (!before && hit) better++;
            }
            if (reject is not null && seen < n && !reject.CanStillMeet(correct, worse, better, seen, n, baseWrongLeft))
                return new CandidateResult(100.0 * (correct + n - seen) / n, macs, parameters) { Images = n, Worse = worse, Better = better + baseWrongLeft, RejectedAfter = seen };
        }
        return new CandidateResult(100.0 * correct / n, macs, parameters) { Images = n, Worse = worse, Better = better };
    }

    /// <summary>
    /// Accuracy of <paramref name="graph"/> on other images (the test split), in the engine that runs candidates fastest
    /// (ONNX Runtime when auto chose it): these images are read once per model, not kept.
    /// </summary>
    public double Accuracy(LayerGraph graph, ImageDataset images, IReadOnlyList<int> indices, IReadOnlySet<string>? int8 = null, CancellationToken cancel = default)
    {
        using var scope = NewDisposeScope();
        set_num_threads(_threads);
        var int8Nodes = Int8Quantizer.NodesOf(graph, int8 ?? new HashSet<string>());
        using var session = ChosenEngine == EvaluationEngine.OnnxRuntime || int8Nodes.Count > 0 ? new OnnxRuntimeSession(Onnx(graph, int8Nodes), _threads) : null;
        return Evaluator.Evaluate(session is null ? x => graph.Forward(x) : session.Run, images, indices, _model.Info.Normalization, _batchSize, cancel)
            .EnsureFinite("a compressed model").Accuracy;
    }

    /// <summary>Frees the image batches and the factor cache of its compression options (the evaluator owns it).</summary>
    public void Dispose()
    {
        _context.Factors?.Dispose();
        _validation.Dispose();
        if (_confirmation.IsValueCreated) _confirmation.Value?.Dispose();
        if (_calibration.IsValueCreated) _calibration.Value.ForEach(t => t.Dispose());
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
