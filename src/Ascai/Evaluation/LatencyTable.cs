using System.Text.Json;
using Ascai.Graph;
using Ascai.Graph.Nodes;
using Ascai.Onnx;
using Ascai.Quantization;
using Ascai.Serialization;
using static TorchSharp.torch;

namespace Ascai.Evaluation;

/// <summary>
/// Predicts a candidate's latency on this machine as a sum of per-layer entries (what NetAdapt and HALP do): each conv
/// and linear layer of a given configuration (input shape, kept channels, kernel, stride, groups, the ReLU ONNX Runtime
/// fuses into it, and its precision) is timed once, alone, in ONNX Runtime at batch 1 and at <see cref="Batch"/>, and
/// remembered. An int8 layer timed alone converts its input to int8 and its output back; inside a network, where an
/// int8 layer feeds an int8 layer, neither conversion runs, so an int8 entry is split into its kernel (the entry less half
/// a measured quantise-dequantise pair of its input and of its output) and the conversions, which count only at the
/// network's precision boundaries. Layers timed alone do not add up to the network they
/// come from (each alone pays its own layout changes and memory traffic; pooling and adds are not timed), so the sum is
/// scaled by the original model's end-to-end latency over the sum of its own entries: the original's prediction is its
/// measurement, and a candidate's is never negative, which an additive offset allowed when the layers alone added up
/// to more than the network (the small VGG's layers add up to 14-17 ms against 9.4-10.0 ms end to end at batch 64:
/// recomputed over two searches' fronts, the offset's median errors were 43% and 120%, the scale's 19% and 7%). Where
/// candidates may be int8, the int8 entries have a scale of their own, from the original timed with every layer in int8,
/// so that both the all-float32 and the all-int8 original are predicted as measured; given networks of the search space
/// (<see cref="Open"/>'s references), the int8 kernels and the conversions get separate scales fitted to those networks
/// timed end to end, since a network's boundaries between precisions cost otherwise than its layers alone say. The
/// original is timed three times, each in a new session, and its fastest kept, so one slow spell of the machine does
/// not skew every prediction; a fit that misses its own networks by more than 20% has its int8 entries timed again.
/// Entries are kept in a file (a run folder's <c>latency.json</c>): a resumed run reads them back instead of timing the
/// layers again. Thread-safe; timing a new entry holds a lock, so parallel evaluations wait for it.
/// </summary>
public sealed class LatencyTable
{
    // A layer entry keeps the fastest of three rounds; a whole network timed beside the original (the anchors, the networks
    // of the fit, the check at the end), of nine: its ratio is what the int8 scales are fitted to, and a slow spell of
    // this machine outlasted three rounds often enough to put the small VGG's all-int8 original at 0.81 of the original's
    // latency in one run, against 0.40-0.47 in others.
    private const int Rounds = 3, RoundsBeside = 9, RepeatsOne = 13, RepeatsMany = 5;
    private readonly object _lock = new();
    private readonly string? _path;
    private readonly int _threads;
    private readonly Stored _stored;
    private readonly byte[] _original;

    /// <summary>
    /// What the file holds: the batch, the threads, the original's end-to-end latency (ms at batch 1 and at the batch), the
    /// scale of the summed float32 entries at each, the original's latency with every layer in int8 and the scale of the
    /// summed int8 kernels (empty when the run has no precision genes: int8 entries then take the float32 scale), the scale
    /// of the conversions at precision boundaries and how it was fitted (empty when not calibrated: the int8 scale), and
    /// every layer entry (ms at batch 1 and at the batch).
    /// </summary>
    private sealed record Stored
    {
        public int Batch { get; init; }
        public int Threads { get; init; }
        public double[] Original { get; init; } = [];
        public double[] Scale { get; init; } = [];
        public double[] OriginalInt8 { get; init; } = [];
        public double[] ScaleInt8 { get; init; } = [];
        public double[] ScaleKernels { get; init; } = [];
        public double[] ScaleConversions { get; init; } = [];
        public LatencyCalibration? Calibration { get; init; }
        public Dictionary<string, double[]> Layers { get; init; } = [];
    }

    private LatencyTable(string? path, int threads, Stored stored, byte[] original) => (_path, _threads, _stored, _original) = (path, threads, stored, original);

    /// <summary>The batch size of <see cref="LatencyPrediction.Many"/>, the search's latency cost.</summary>
    public int Batch => _stored.Batch;

    /// <summary>Layer entries held (read from the file or timed since).</summary>
    public int Entries { get { lock (_lock) return _stored.Layers.Count; } }

    /// <summary>Layer entries timed by this process (0 when every layer a run needs was read from the file).</summary>
    public int Measured { get; private set; }

    /// <summary>The original model's latency, measured end to end (ms).</summary>
    public LatencyPrediction Original => new(_stored.Original[0], _stored.Original[1]);

    /// <summary>The original model's latency with every conv and linear layer in int8, measured end to end (ms), when the table has an int8 scale.</summary>
    public LatencyPrediction? OriginalInt8 => _stored.OriginalInt8.Length == 2 ? new(_stored.OriginalInt8[0], _stored.OriginalInt8[1]) : null;

    /// <summary>
    /// The table of <paramref name="original"/> at batch 1 and <paramref name="batch"/> on <paramref name="threads"/>
    /// threads, read from <paramref name="path"/> when it holds one for the same batch and threads (else measured anew
    /// and, with a path, written there as entries are added). With <paramref name="int8"/> (candidates may run layers in
    /// int8) the original is also timed with every layer in int8, to scale the int8 entries; with
    /// <paramref name="references"/> as well (networks of the search space: compact graphs and their int8 nodes), those are
    /// timed end to end and the int8 kernels and the conversions at precision boundaries get scales fitted to them
    /// (<see cref="Calibration"/>). A table read back is used as it was written, fitted or not, and draws no references.
    /// </summary>
    public static LatencyTable Open(LayerGraph original, int batch, int threads, string? path = null, bool int8 = false,
        Func<IEnumerable<(LayerGraph Graph, IReadOnlySet<string> Int8Nodes)>>? references = null)
    {
        if (batch < 1) throw new SettingException(SettingException.Of<EvaluationSpec>(nameof(EvaluationSpec.LatencyBatch)), $"must be at least 1, got {batch}");
        var onnx = OnnxExporter.Export(original);
        if (path is not null && File.Exists(path))
        {
            Stored? known;
            try { known = JsonSerializer.Deserialize<Stored>(File.ReadAllText(path), Json.Options); }
            catch (JsonException e) { throw new AscaiException($"{path}: corrupt latency table ({e.Message.Split('\n')[0]}); delete it to measure again"); }
            // Read back as it is, fitted or not, so that a resumed run prices its candidates as it did before; a table from
            // before the scale (an offset instead) is measured again.
            if (known is { Original.Length: 2, Scale.Length: 2 } && known.Batch == batch && known.Threads == threads) return new LatencyTable(path, threads, known, onnx);
        }
        var table = new LatencyTable(path, threads, new Stored { Batch = batch, Threads = threads }, onnx);
        // A process's first ONNX Runtime passes run far slower than later ones (Latency.Profile): warm it untimed, or the
        // original, timed first, would look slow and the scale would carry the error into every prediction.
        table.Time(onnx, original.InputShape, warmUp: true);
        var measured = table.FastestOfSessions(onnx, original.InputShape);
        var layers = table.Parts(original, new HashSet<string>()).Float32;
        var stored = table._stored with { Original = [measured.One, measured.Many], Scale = [measured.One / layers.One, measured.Many / layers.Many] };
        if (int8)
        {
            // Layers timed alone in int8 add up to their network otherwise than float32 ones do (each alone pays a
            // quantise and a dequantise of its own, and the fixed cost of a run weighs more on its faster kernel; one scale
            // for both over-predicted mostly-int8 networks by a third on the small VGG): the original in int8 anchors them.
            var all = Layers(original);
            // Timed beside the original, as the networks of the fit are: a ratio to the original does not drift with the
            // machine's pace, and two separate timings did (the same all-int8 original measured 3.7 and 4.6 ms an hour apart).
            var measuredInt8 = table.BesideOriginal(Int8Onnx(original, all), original.InputShape, measured);
            stored = Int8Anchored(stored, measuredInt8, table.Parts(original, all).Int8);
        }
        table = new LatencyTable(path, threads, stored, onnx) { Measured = table.Measured };
        table.Save();
        return references is not null && table.OriginalInt8 is not null ? table.Calibrated(original, references, RetimeAbove) : table;
    }

    /// <summary>How the int8 scales were fitted to networks timed end to end (null: from the two originals alone).</summary>
    public LatencyCalibration? Calibration => _stored.Calibration;

    /// <summary>
    /// The predicted latency of <paramref name="graph"/> with <paramref name="int8Nodes"/> in int8: its float32 layers'
    /// entries, its int8 kernels and the conversions at its precision boundaries, each sum scaled by its own.
    /// </summary>
    public LatencyPrediction Predict(LayerGraph graph, IReadOnlySet<string> int8Nodes)
    {
        var parts = Parts(graph, int8Nodes);
        return _stored.ScaleConversions.Length == 2 ? parts.Scaled(_stored.Scale, _stored.ScaleKernels, _stored.ScaleConversions) : PredictFromAnchors(parts);
    }

    /// <summary>
    /// The prediction without the fit of <see cref="Calibration"/>: the int8 kernels and conversions both take the scale
    /// that predicts the all-int8 original as measured (for comparing the two).
    /// </summary>
    public LatencyPrediction PredictFromAnchors(LayerGraph graph, IReadOnlySet<string> int8Nodes) => PredictFromAnchors(Parts(graph, int8Nodes));

    private LatencyPrediction PredictFromAnchors(LatencyParts parts) => parts.Scaled(_stored.Scale, AnchorScaleInt8, AnchorScaleInt8);

    private double[] AnchorScaleInt8 => _stored.ScaleInt8.Length == 2 ? _stored.ScaleInt8 : _stored.Scale;

    // The in-sample median error of the int8 fit above which its int8 entries are timed again. Three fits of the small VGG
    // and ResNet-20 erred by 2-14%; one whose int8 entries were timed in a slow spell of the machine (twice as slow as
    // in other runs) erred by 32%, and its search's front by 51%.
    private const double RetimeAbove = 0.2;

    // The reference networks timed end to end beside the original (on the table's scale: relative to the original timed in
    // the same rounds), and the int8 scales fitted to them and to the all-int8 original by weighted least squares. When the
    // fit misses its own networks by more than retimeAbove, the int8 entries and conversions it rests on are timed again
    // (the networks' end-to-end ratios are kept: timed beside the original, they do not drift with the machine's pace)
    // and the better of the two fits is kept.
    internal LatencyTable Calibrated(LayerGraph original, Func<IEnumerable<(LayerGraph Graph, IReadOnlySet<string> Int8Nodes)>> references, double retimeAbove)
    {
        var measured = new List<LatencyPrediction>();
        var table = Fitted(original, references().Select(r =>
        {
            var onnx = r.Int8Nodes.Count == 0 ? OnnxExporter.Export(r.Graph) : Int8Onnx(r.Graph, r.Int8Nodes);
            measured.Add(BesideOriginal(onnx, r.Graph.InputShape, Original));
            return (r.Graph, r.Int8Nodes, measured[^1]);
        }), firstTimingError: null);
        double error = table.Calibration!.MedianErrorAfter;
        if (error > retimeAbove)
        {
            var int8Free = _stored with { Layers = _stored.Layers.Where(e => !Int8Entry(e.Key)).ToDictionary(e => e.Key, e => e.Value) };
            var retimed = new LatencyTable(_path, _threads, int8Free, _original) { Measured = table.Measured }
                .Fitted(original, references().Zip(measured, (r, m) => (r.Graph, r.Int8Nodes, m)), firstTimingError: error);
            table = retimed.Calibration!.MedianErrorAfter < error ? retimed
                : new LatencyTable(_path, _threads, table._stored with { Calibration = table.Calibration with { FirstTimingError = error } }, _original) { Measured = retimed.Measured };
        }
        table.Save();
        return table;
    }

    // The fit on this table's entries (timing those the networks need) and the int8 anchor's scale recomputed from them.
    private LatencyTable Fitted(LayerGraph original, IEnumerable<(LayerGraph Graph, IReadOnlySet<string> Int8Nodes, LatencyPrediction Measured)> networks,
        double? firstTimingError)
    {
        var all = Layers(original);
        var anchor = OriginalInt8!.Value;
        var anchored = new LatencyTable(_path, _threads, Int8Anchored(_stored, anchor, Parts(original, all).Int8), _original) { Measured = Measured };
        var points = new List<(LatencyParts Parts, LatencyPrediction Measured)> { (anchored.Parts(original, all), anchor) };
        foreach (var (graph, int8Nodes, measured) in networks) points.Add((anchored.Parts(graph, int8Nodes), measured));
        var scale = anchored._stored.Scale;
        var one = LatencyCalibration.Fit(points.Select(p => (p.Parts.Float32.One * scale[0], p.Parts.Kernels.One, p.Parts.Conversions.One, p.Measured.One)).ToList(), anchored.AnchorScaleInt8[0]);
        var many = LatencyCalibration.Fit(points.Select(p => (p.Parts.Float32.Many * scale[1], p.Parts.Kernels.Many, p.Parts.Conversions.Many, p.Measured.Many)).ToList(), anchored.AnchorScaleInt8[1]);
        var stored = anchored._stored with { ScaleKernels = [one.Kernels, many.Kernels], ScaleConversions = [one.Conversions, many.Conversions] };
        // How far each predicts the references at the table's batch (the all-int8 original, the first point, is an anchor of both).
        var references = points.Skip(1).ToList();
        double MedianError(Func<LatencyParts, LatencyPrediction> predict) =>
            references.Count == 0 ? 0 : Latency.Median(references.Select(p => Math.Abs(predict(p.Parts).Many - p.Measured.Many) / p.Measured.Many));
        var calibration = new LatencyCalibration(references.Count, MedianError(anchored.PredictFromAnchors), MedianError(p => p.Scaled(stored.Scale, stored.ScaleKernels, stored.ScaleConversions)), firstTimingError);
        return new LatencyTable(_path, _threads, stored with { Calibration = calibration }, _original) { Measured = anchored.Measured };
    }

    // The all-int8 original's measured latency and the scale of int8 entries that predicts it from them (none when the
    // original has no int8 entries to scale).
    private static Stored Int8Anchored(Stored stored, LatencyPrediction measuredInt8, LatencyPrediction int8Layers) =>
        int8Layers.One > 0 && int8Layers.Many > 0
            ? stored with { OriginalInt8 = [measuredInt8.One, measuredInt8.Many], ScaleInt8 = [measuredInt8.One / int8Layers.One, measuredInt8.Many / int8Layers.Many] }
            : stored;

    // How an int8 layer's entry key ends and a conversion's begins (Parts writes them; Int8Entry reads them).
    private const string Int8KeySuffix = " int8", ConversionKeyPrefix = "quantize-dequantize ";

    // Entries that depend on int8 timings: int8 layers and the quantise-dequantise pairs of their conversions.
    private static bool Int8Entry(string key) => key.EndsWith(Int8KeySuffix, StringComparison.Ordinal) || key.StartsWith(ConversionKeyPrefix, StringComparison.Ordinal);

    private static HashSet<string> Layers(LayerGraph graph) => graph.Nodes.Where(n => n is Conv2dNode or LinearNode).Select(n => n.Name).ToHashSet();

    // A network with these conv and linear layers in int8 (batch-norms folded as int8 quantisation folds them).
    private static byte[] Int8Onnx(LayerGraph graph, IReadOnlySet<string> layers)
    {
        using var folded = BatchNormFolding.Fold(graph);
        return Qdq(folded, layers, "network");
    }

    // A QDQ model of the graph with its activation ranges calibrated on random inputs: the time of dense int8 kernels
    // does not depend on the ranges.
    private static byte[] Qdq(LayerGraph graph, IReadOnlySet<string> int8Layers, string name)
    {
        using var scope = NewDisposeScope();
        var sample = randn(graph.InputShape.WithBatch(4));
        var ranges = ActivationCalibration.Calibrate(graph, () => [sample], CalibrationMethod.MinMax, 100);
        return QdqWriter.Write(graph, int8Layers, ranges, name);
    }

    // A network's latency on the table's scale: its ratio to the original timed beside it, times the original's latency
    // the table holds (a ratio does not drift with the machine's pace).
    private LatencyPrediction BesideOriginal(byte[] onnx, Shape input, LatencyPrediction original)
    {
        var (model, beside) = MeasureBesideOriginal(onnx, input);
        return new(model.One / beside.One * original.One, model.Many / beside.Many * original.Many);
    }

    /// <summary>
    /// The measured latency of <paramref name="onnx"/> end to end in ONNX Runtime and of the original beside it, timed in
    /// alternating rounds as the entries are, so that a slow spell of the machine weighs on both: predictions are
    /// relative to the original (its prediction is its measurement), and are checked against the measured ratio.
    /// </summary>
    public (LatencyPrediction Model, LatencyPrediction Original) MeasureBesideOriginal(byte[] onnx, Shape input)
    {
        lock (_lock)
        {
            using var model = new RoundTimer(onnx, input, Batch, _threads);
            using var original = new RoundTimer(_original, input, Batch, _threads);
            for (int round = 0; round < RoundsBeside; round++)
            {
                model.Round();
                original.Round();
            }
            return (model.Fastest, original.Fastest);
        }
    }

    // The summed entries of the float32 layers, of the int8 kernels (an int8 entry less the conversions of its input and
    // output it was timed with) and of the conversions the network runs: those at its precision boundaries, where an int8
    // layer meets a float32 one (or the network's input or output); between two int8 layers neither runs.
    internal LatencyParts Parts(LayerGraph graph, IReadOnlySet<string> int8Nodes)
    {
        var shapes = graph.InferShapes();
        LatencyPrediction float32 = default, kernels = default, conversions = default;
        bool added = false;
        foreach (var node in graph.Nodes.Where(n => n is Conv2dNode or LinearNode))
        {
            var (layer, relu) = Alone(graph, node);
            bool int8 = int8Nodes.Contains(node.Name);
            var input = shapes[node.Inputs[0]];
            string key = $"{JsonSerializer.Serialize(layer, Json.Options)} input {input}{(relu is null ? "" : $" {relu.Function}")}{(int8 ? Int8KeySuffix : " float32")}";
            var entry = Entry(key, () => Time(LayerModel(layer, relu, input, int8), input), ref added);
            if (!int8)
            {
                float32 = float32.Plus(entry[0], entry[1]);
                continue;
            }
            var output = shapes[node.Name];
            var into = Entry($"{ConversionKeyPrefix}{input}", () => Conversion(input), ref added);
            var outOf = Entry($"{ConversionKeyPrefix}{output}", () => Conversion(output), ref added);
            // Half a quantise-dequantise pair each way: a kernel cannot take less than no time.
            kernels = kernels.Plus(Math.Max(0, entry[0] - (into[0] + outOf[0]) / 2), Math.Max(0, entry[1] - (into[1] + outOf[1]) / 2));
            if (!Int8Producer(graph, node.Inputs[0], int8Nodes)) conversions = conversions.Plus(into[0] / 2, into[1] / 2);
            if (!Int8Consumers(graph, node.Name, int8Nodes)) conversions = conversions.Plus(outOf[0] / 2, outOf[1] / 2);
        }
        if (added && _stored.Original.Length == 2) Save();
        return new(float32, kernels, conversions);
    }

    // A network's summed entries by kind; Int8 is what the int8 scale of the anchors multiplies.
    internal readonly record struct LatencyParts(LatencyPrediction Float32, LatencyPrediction Kernels, LatencyPrediction Conversions)
    {
        public LatencyPrediction Int8 => Kernels.Plus(Conversions.One, Conversions.Many);

        public LatencyPrediction Scaled(double[] float32, double[] kernels, double[] conversions) => new(
            Float32.One * float32[0] + Kernels.One * kernels[0] + Conversions.One * conversions[0],
            Float32.Many * float32[1] + Kernels.Many * kernels[1] + Conversions.Many * conversions[1]);
    }

    private double[] Entry(string key, Func<LatencyPrediction> time, ref bool added)
    {
        lock (_lock)
        {
            if (_stored.Layers.TryGetValue(key, out var entry)) return entry;
            var measured = time();
            _stored.Layers[key] = entry = [measured.One, measured.Many];
            Measured++;
            added = true;
            return entry;
        }
    }

    // Nodes an int8 value passes through unchanged in precision: folded batch-norms, fused or int8-capable activations, moves.
    // (Adds run in int8 only where their inputs and output are quantised: Int8Add.)
    private static bool PassesInt8(Node node) => node is BatchNormNode or MaxPoolNode or FlattenNode or DropoutNode
        or ActivationNode { Function: ActivationFunction.Relu or ActivationFunction.Relu6 };

    // Whether the tensor is made in int8: by an int8 layer or an int8 add (through nodes that keep it int8).
    private static bool Int8Producer(LayerGraph graph, string tensor, IReadOnlySet<string> int8Nodes)
    {
        var node = Producer(graph, tensor);
        return int8Nodes.Contains(node.Name) || node is AddNode add && Int8Add(graph, add, int8Nodes);
    }

    // Whether every reader of the layer's output (through nodes that keep it int8) runs in int8: an int8 layer or add.
    private static bool Int8Consumers(LayerGraph graph, string layer, IReadOnlySet<string> int8Nodes)
    {
        var readers = graph.Consumers(layer).ToList();
        if (readers.Count == 0 || graph.Output == layer) return false;
        return readers.All(r => PassesInt8(r) ? Int8Consumers(graph, r.Name, int8Nodes)
            : int8Nodes.Contains(r.Name) || r is AddNode add && Int8Add(graph, add, int8Nodes));
    }

    // A residual add runs in int8 (ONNX Runtime fuses it into QLinearAdd) when each of its inputs is quantised (made by an
    // int8 layer, or read by one) and so is its output (read by an int8 layer): the tensors QdqWriter quantises.
    private static bool Int8Add(LayerGraph graph, AddNode add, IReadOnlySet<string> int8Nodes) =>
        add.Inputs.All(i => int8Nodes.Contains(Producer(graph, i).Name) || ReadByInt8Layer(graph, i, int8Nodes)) && ReadByInt8Layer(graph, add.Name, int8Nodes);

    private static Node Producer(LayerGraph graph, string tensor)
    {
        var node = graph[tensor];
        while (PassesInt8(node)) node = graph[node.Inputs[0]];
        return node;
    }

    private static bool ReadByInt8Layer(LayerGraph graph, string tensor, IReadOnlySet<string> int8Nodes) =>
        graph.Consumers(tensor).Any(r => int8Nodes.Contains(r.Name) || PassesInt8(r) && ReadByInt8Layer(graph, r.Name, int8Nodes));

    // Converting a tensor of this shape to int8 and back: a quantise-dequantise pair before a ReLU, less the ReLU alone.
    private LatencyPrediction Conversion(Shape shape)
    {
        using var scope = NewDisposeScope();
        var builder = new GraphBuilder(shape);
        using var graph = builder.Build(builder.Relu("input"));
        var pair = Time(QdqWriter.WriteInputPair(graph), shape);
        var relu = Time(OnnxExporter.Export(graph), shape);
        return new(Math.Max(0, pair.One - relu.One), Math.Max(0, pair.Many - relu.Many));
    }

    // The layer as a fresh node reading "input", and the ReLU after it when ONNX Runtime fuses one (its only consumer, or
    // the only consumer of the batch-norm after it, which ONNX Runtime and int8 quantisation fold into the layer).
    private static (Node Layer, ActivationNode? Relu) Alone(LayerGraph graph, Node node)
    {
        Node layer = node switch
        {
            Conv2dNode c => c.Resized(c.InChannels, c.OutChannels, "layer", ["input"]),
            LinearNode l => l.Resized(l.InFeatures, l.OutFeatures, "layer", ["input"]),
            _ => throw new InvalidOperationException(),
        };
        var consumers = graph.Consumers(node.Name).ToList();
        if (consumers is [BatchNormNode bn]) consumers = graph.Consumers(bn.Name).ToList();
        var relu = consumers is [ActivationNode { Function: ActivationFunction.Relu or ActivationFunction.Relu6 } a] && graph.Output != node.Name ? a : null;
        return (layer, relu);
    }

    // A one-layer ONNX model (random weights: dense compute does not depend on their values), float32 or QDQ int8.
    private byte[] LayerModel(Node layer, ActivationNode? relu, Shape input, bool int8)
    {
        using var scope = NewDisposeScope();
        var builder = new GraphBuilder(input);
        string output = builder.Add(layer);
        if (relu is not null) output = builder.Add(new ActivationNode { Name = "relu", Inputs = [output], Function = relu.Function });
        // The model's output stays float32 (QdqWriter keeps logits so): a free reshape after the layer lets its own output
        // be quantised, so that ONNX Runtime runs the int8 kernel as it does inside a network.
        if (int8) output = builder.Flatten(output);
        using var graph = builder.Build(output);
        return int8 ? Qdq(graph, new HashSet<string> { "layer" }, "layer") : OnnxExporter.Export(graph);
    }

    // The original is timed three times, each in a new session, and its fastest kept: one slow spell of the machine would
    // otherwise skew its scale, and so every prediction.
    private LatencyPrediction FastestOfSessions(byte[] onnx, Shape input)
    {
        var timings = Enumerable.Range(0, 3).Select(_ => Time(onnx, input)).ToList();
        return new(timings.Min(t => t.One), timings.Min(t => t.Many));
    }

    private LatencyPrediction Time(byte[] onnx, Shape input, bool warmUp = false)
    {
        using var timer = new RoundTimer(onnx, input, Batch, _threads);
        for (int round = 0; round < Rounds * (warmUp ? 5 : 1); round++) timer.Round();
        return timer.Fastest;
    }

    // One model timed round by round, a round being a median at batch 1 then one at the batch; each size keeps its fastest
    // round's median. Another process only ever slows a run down, and a slow spell long enough to cover a whole round (a
    // small layer's round at batch 64 lasts a few milliseconds) still leaves the other rounds: with one median per size,
    // single entries of the same layer differed by up to 2x between runs of the machine.
    private sealed class RoundTimer : IDisposable
    {
        private readonly OnnxRuntimeSession _session;
        private readonly Tensor _one, _many;
        private int _rounds;

        public RoundTimer(byte[] onnx, Shape input, int batch, int threads)
        {
            _session = new OnnxRuntimeSession(onnx, threads);
            _one = randn(input.WithBatch(1)).DetachFromDisposeScope();
            _many = randn(input.WithBatch(batch)).DetachFromDisposeScope();
        }

        public LatencyPrediction Fastest { get; private set; } = new(double.MaxValue, double.MaxValue);

        public void Round()
        {
            int warmup = _rounds++ == 0 ? 3 : 1;
            Fastest = new(Math.Min(Fastest.One, _session.MedianMilliseconds(_one, RepeatsOne, warmup)),
                Math.Min(Fastest.Many, _session.MedianMilliseconds(_many, RepeatsMany, warmup)));
        }

        public void Dispose()
        {
            _session.Dispose();
            _one.Dispose();
            _many.Dispose();
        }
    }

    private void Save()
    {
        if (_path is null) return;
        string json;
        lock (_lock) json = JsonSerializer.Serialize(_stored, Json.Options);
        AtomicFile.WriteText(_path, json);
    }
}

/// <summary>Milliseconds of one forward pass at batch 1 and at the table's batch.</summary>
public readonly record struct LatencyPrediction(double One, double Many)
{
    /// <summary>This plus <paramref name="one"/> and <paramref name="many"/> milliseconds.</summary>
    public LatencyPrediction Plus(double one, double many) => new(One + one, Many + many);
}
