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
/// int8 layer feeds an int8 layer, neither conversion runs, so half of a measured quantise-dequantise pair of that
/// tensor is taken off each side that meets another int8 layer. Layers timed alone do not add up to the network they
/// come from (each alone pays its own layout changes and memory traffic; pooling and adds are not timed), so the sum is
/// scaled by the original model's end-to-end latency over the sum of its own entries: the original's prediction is its
/// measurement, and a candidate's is never negative, which an additive offset allowed when the layers alone added up
/// to more than the network (the small VGG's layers add up to 14-17 ms against 9.4-10.0 ms end to end at batch 64:
/// recomputed over two searches' fronts, the offset's median errors were 43% and 120%, the scale's 19% and 7%). Where
/// candidates may be int8, the int8 entries have a scale of their own, from the original timed with every layer in int8,
/// so that both the all-float32 and the all-int8 original are predicted as measured. The
/// original is timed three times, each in a new session, and its fastest kept, so one slow spell of the machine does
/// not skew every prediction. Entries are kept in a file (a run folder's <c>latency.json</c>): a resumed run reads
/// them back instead of timing the layers again. Thread-safe; timing a new entry holds a lock, so parallel evaluations wait for it.
/// </summary>
public sealed class LatencyTable
{
    private const int Rounds = 3, RepeatsOne = 13, RepeatsMany = 5;
    private readonly object _lock = new();
    private readonly string? _path;
    private readonly int _threads;
    private readonly Stored _stored;
    private readonly byte[] _original;

    /// <summary>
    /// What the file holds: the batch, the threads, the original's end-to-end latency (ms at batch 1 and at the batch), the
    /// scale of the summed float32 entries at each, the original's latency with every layer in int8 and the scale of the
    /// summed int8 entries (empty when the run has no precision genes: int8 entries then take the float32 scale), and
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
    /// int8) the original is also timed with every layer in int8, to scale the int8 entries.
    /// </summary>
    public static LatencyTable Open(LayerGraph original, int batch, int threads, string? path = null, bool int8 = false)
    {
        if (batch < 1) throw new SettingException(SettingException.Of<EvaluationSpec>(nameof(EvaluationSpec.LatencyBatch)), $"must be at least 1, got {batch}");
        var onnx = OnnxExporter.Export(original);
        if (path is not null && File.Exists(path))
        {
            Stored? known;
            try { known = JsonSerializer.Deserialize<Stored>(File.ReadAllText(path), Json.Options); }
            catch (JsonException e) { throw new AscaiException($"{path}: corrupt latency table ({e.Message.Split('\n')[0]}); delete it to measure again"); }
            // A table from before the scale (an offset instead) is measured again.
            if (known is { Original.Length: 2, Scale.Length: 2 } && known.Batch == batch && known.Threads == threads) return new LatencyTable(path, threads, known, onnx);
        }
        var table = new LatencyTable(path, threads, new Stored { Batch = batch, Threads = threads }, onnx);
        // A process's first ONNX Runtime passes run far slower than later ones (Latency.Profile): warm it untimed, or the
        // original, timed first, would look slow and the scale would carry the error into every prediction.
        table.Time(onnx, original.InputShape, warmUp: true);
        var measured = table.FastestOfSessions(onnx, original.InputShape);
        var (layers, _) = table.SumOfLayers(original, new HashSet<string>());
        var stored = table._stored with { Original = [measured.One, measured.Many], Scale = [measured.One / layers.One, measured.Many / layers.Many] };
        if (int8)
        {
            // Layers timed alone in int8 add up to their network otherwise than float32 ones do (each alone pays a
            // quantise and a dequantise of its own, and the fixed cost of a run weighs more on its faster kernel; one scale
            // for both over-predicted mostly-int8 networks by a third on the small VGG): the original in int8 anchors them.
            var all = original.Nodes.Where(n => n is Conv2dNode or LinearNode).Select(n => n.Name).ToHashSet();
            var quantized = AllInt8(original, all);
            var measuredInt8 = table.FastestOfSessions(quantized, original.InputShape);
            var (_, int8Layers) = table.SumOfLayers(original, all);
            if (int8Layers.One > 0 && int8Layers.Many > 0)
                stored = stored with { OriginalInt8 = [measuredInt8.One, measuredInt8.Many], ScaleInt8 = [measuredInt8.One / int8Layers.One, measuredInt8.Many / int8Layers.Many] };
        }
        table = new LatencyTable(path, threads, stored, onnx) { Measured = table.Measured };
        table.Save();
        return table;
    }

    /// <summary>
    /// The predicted latency of <paramref name="graph"/> with <paramref name="int8Nodes"/> in int8: its float32 layers'
    /// entries and its int8 layers' entries, each sum scaled by its own.
    /// </summary>
    public LatencyPrediction Predict(LayerGraph graph, IReadOnlySet<string> int8Nodes)
    {
        var (float32, int8) = SumOfLayers(graph, int8Nodes);
        var scaleInt8 = _stored.ScaleInt8.Length == 2 ? _stored.ScaleInt8 : _stored.Scale;
        return new(float32.One * _stored.Scale[0] + int8.One * scaleInt8[0], float32.Many * _stored.Scale[1] + int8.Many * scaleInt8[1]);
    }

    // The original with every conv and linear layer in int8 (batch-norms folded as int8 quantisation folds them).
    private static byte[] AllInt8(LayerGraph original, IReadOnlySet<string> layers)
    {
        using var folded = BatchNormFolding.Fold(original);
        return Qdq(folded, layers, "original");
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
            for (int round = 0; round < Rounds; round++)
            {
                model.Round();
                original.Round();
            }
            return (model.Fastest, original.Fastest);
        }
    }

    // The summed entries of the float32 layers and of the int8 ones (less the conversions their int8 neighbours spare).
    private (LatencyPrediction Float32, LatencyPrediction Int8) SumOfLayers(LayerGraph graph, IReadOnlySet<string> int8Nodes)
    {
        var shapes = graph.InferShapes();
        double one = 0, many = 0, oneInt8 = 0, manyInt8 = 0;
        bool added = false;
        foreach (var node in graph.Nodes.Where(n => n is Conv2dNode or LinearNode))
        {
            var (layer, relu) = Alone(graph, node);
            bool int8 = int8Nodes.Contains(node.Name);
            var input = shapes[node.Inputs[0]];
            string key = $"{JsonSerializer.Serialize(layer, Json.Options)} input {input}{(relu is null ? "" : $" {relu.Function}")} {(int8 ? "int8" : "float32")}";
            var entry = Entry(key, () => Time(LayerModel(layer, relu, input, int8), input), ref added);
            if (!int8)
            {
                (one, many) = (one + entry[0], many + entry[1]);
                continue;
            }
            (oneInt8, manyInt8) = (oneInt8 + entry[0], manyInt8 + entry[1]);
            // The conversions an int8 neighbour makes unnecessary.
            if (Int8Producer(graph, node.Inputs[0], int8Nodes))
            {
                var pair = Entry($"quantize-dequantize {input}", () => Conversion(input), ref added);
                (oneInt8, manyInt8) = (oneInt8 - pair[0] / 2, manyInt8 - pair[1] / 2);
            }
            if (Int8Consumers(graph, node.Name, int8Nodes))
            {
                var output = shapes[node.Name];
                var pair = Entry($"quantize-dequantize {output}", () => Conversion(output), ref added);
                (oneInt8, manyInt8) = (oneInt8 - pair[0] / 2, manyInt8 - pair[1] / 2);
            }
        }
        if (added && _stored.Original.Length == 2) Save();
        return (new(one, many), new(oneInt8, manyInt8));
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
    private static bool PassesInt8(Node node) => node is BatchNormNode or MaxPoolNode or FlattenNode or DropoutNode
        or ActivationNode { Function: ActivationFunction.Relu or ActivationFunction.Relu6 };

    // Whether the tensor is made by an int8 layer (through nodes that keep it int8).
    private static bool Int8Producer(LayerGraph graph, string tensor, IReadOnlySet<string> int8Nodes)
    {
        var node = graph[tensor];
        while (PassesInt8(node)) node = graph[node.Inputs[0]];
        return int8Nodes.Contains(node.Name);
    }

    // Whether every reader of the layer's output (through nodes that keep it int8) is an int8 layer.
    private static bool Int8Consumers(LayerGraph graph, string layer, IReadOnlySet<string> int8Nodes)
    {
        var readers = graph.Consumers(layer).ToList();
        if (readers.Count == 0 || graph.Output == layer) return false;
        return readers.All(r => PassesInt8(r) ? Int8Consumers(graph, r.Name, int8Nodes) : int8Nodes.Contains(r.Name));
    }

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
public readonly record struct LatencyPrediction(double One, double Many);
