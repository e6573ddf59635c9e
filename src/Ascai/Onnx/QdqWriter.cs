using System.Runtime.InteropServices;
using Ascai.Graph;
using Ascai.Onnx.Proto;
using Google.Protobuf;

namespace Ascai.Onnx;

/// <summary>The smallest and largest value a tensor is to represent once quantised (calibrated on real images).</summary>
public readonly record struct TensorRange(float Min, float Max);

/// <summary>
/// Writes a layer graph as an ONNX QDQ model: the chosen conv and linear layers get per-output-channel symmetric
/// int8 weights (a <c>DequantizeLinear</c> on an int8 initializer) and int32 biases, and the activations they read
/// and write pass through a uint8 <c>QuantizeLinear -> DequantizeLinear</c> pair with the calibrated range. ONNX
/// Runtime fuses each <c>DQ -> Conv -> Q</c> into an int8 kernel (uint8 activations x int8 weights, what x86's
/// VNNI instructions multiply); every other layer stays float32, with its own weights, and the graph dequantises
/// around it. The format is ONNX's own, so any runtime that reads QDQ models runs the file.
/// </summary>
public static class QdqWriter
{
    /// <summary>Op types that only move or select values: quantising their output with their input's parameters is exact.</summary>
    private static readonly HashSet<string> Transparent = ["MaxPool", "Flatten", "Identity", "Reshape", "Transpose", "Slice"];

    /// <summary>Activations that a quantised layer's output may pass through before its own quantisation (ONNX Runtime fuses them away).</summary>
    private static readonly HashSet<string> FusedActivations = ["Relu", "Clip"];

    /// <summary>
    /// The QDQ model of <paramref name="graph"/> with <paramref name="int8Layers"/> (conv or linear node names) in int8;
    /// <paramref name="ranges"/> gives the calibrated range of every activation (node outputs by name, and the input).
    /// With no int8 layer the result is the float32 export. With <paramref name="info"/> the file is a model's export
    /// (<see cref="OnnxExporter.Export(Model)"/>: its interface and information, and <paramref name="metadata"/> beside them).
    /// </summary>
    public static byte[] Write(LayerGraph graph, IReadOnlySet<string> int8Layers, IReadOnlyDictionary<string, TensorRange> ranges,
        string name, ModelInfo? info = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var model = OnnxExporter.ExportModel(graph, name);
        var onnx = model.Graph;
        var layers = onnx.Node.Where(n => int8Layers.Contains(n.Name)).ToList();
        foreach (string layer in int8Layers)
            if (!layers.Any(n => n.Name == layer && n.OpType is "Conv" or "Gemm"))
                throw new AscaiException($"'{layer}' is not a conv or linear layer of the model, so it cannot be int8");

        var quantized = ActivationParameters(onnx, layers, ranges);
        foreach (var layer in layers) QuantizeWeights(onnx, layer, quantized[layer.Input[0]].Scale);
        InsertQdqPairs(onnx, quantized);
        if (info is not null) OnnxExporter.Finish(model, info, metadata);
        return model.ToByteArray();
    }

    /// <summary>
    /// <paramref name="graph"/> exported with a uint8 <c>QuantizeLinear -> DequantizeLinear</c> pair on its input and
    /// nothing else quantised: what converting that tensor to int8 and back costs (the latency table's boundary entry).
    /// </summary>
    public static byte[] WriteInputPair(LayerGraph graph)
    {
        var model = OnnxExporter.ExportModel(graph, "boundary");
        InsertQdqPairs(model.Graph, new() { [graph.Input.Name] = (1f / 255, 0) });
        return model.ToByteArray();
    }

    /// <summary>uint8 scale and zero point of each activation to quantise, in graph order.</summary>
    private static Dictionary<string, (float Scale, byte ZeroPoint)> ActivationParameters(GraphProto onnx, List<NodeProto> layers,
        IReadOnlyDictionary<string, TensorRange> ranges)
    {
        var consumers = Consumers(onnx);
        string output = onnx.Output[0].Name;
        var wanted = new HashSet<string>();
        foreach (var layer in layers)
        {
            wanted.Add(layer.Input[0]);
            // Quantised after the activation that follows (a ReLU's range starts at 0: all 256 levels are used).
            string end = layer.Output[0];
            if (consumers.TryGetValue(end, out var next) && next is [var only] && FusedActivations.Contains(only.OpType)) end = only.Output[0];
            if (end != output) wanted.Add(end);
        }
        var producers = onnx.Node.ToDictionary(n => n.Output[0]);
        var parameters = new Dictionary<string, (float, byte)>();
        foreach (string tensor in Order(onnx).Where(wanted.Contains))
        {
            if (producers.TryGetValue(tensor, out var producer) && Transparent.Contains(producer.OpType) && parameters.TryGetValue(producer.Input[0], out var shared))
                parameters[tensor] = shared;
            else if (ranges.TryGetValue(tensor, out var range))
                parameters[tensor] = Uint8(range);
            else
                throw new AscaiException($"no calibrated range for the activation '{tensor}'");
        }
        return parameters;
    }

    // Graph input first, then node outputs in topological order: transparent ops inherit from tensors already placed.
    private static IEnumerable<string> Order(GraphProto onnx) => onnx.Input.Select(i => i.Name).Concat(onnx.Node.Select(n => n.Output[0]));

    private static Dictionary<string, List<NodeProto>> Consumers(GraphProto onnx)
    {
        var consumers = new Dictionary<string, List<NodeProto>>();
        foreach (var node in onnx.Node)
            foreach (string input in node.Input.Distinct())
                (consumers.TryGetValue(input, out var list) ? list : consumers[input] = []).Add(node);
        return consumers;
    }

    /// <summary>Asymmetric uint8 over a range widened to hold 0 (so zero padding and ReLU's zeros are exact).</summary>
    private static (float Scale, byte ZeroPoint) Uint8(TensorRange range)
    {
        float min = Math.Min(range.Min, 0f), max = Math.Max(range.Max, 0f);
        if (!float.IsFinite(min) || !float.IsFinite(max)) throw new AscaiException($"a calibrated range [{range.Min}, {range.Max}] is not finite");
        if (max == min) return (1f, 0);
        float scale = (max - min) / 255f;
        return (scale, (byte)Math.Clamp(MathF.Round(-min / scale), 0, 255));
    }

    /// <summary>Replaces the layer's float weight and bias by int8 / int32 initializers read through DequantizeLinear.</summary>
    private static void QuantizeWeights(GraphProto onnx, NodeProto layer, float inputScale)
    {
        var weight = onnx.Initializer.Single(t => t.Name == layer.Input[1]);
        float[] w = Floats(weight);
        int channels = (int)weight.Dims[0], perChannel = w.Length / channels;
        float[]? bias = layer.Input.Count > 2 ? Floats(onnx.Initializer.Single(t => t.Name == layer.Input[2])) : null;
        var scales = new float[channels];
        var q = new sbyte[w.Length];
        for (int c = 0; c < channels; c++)
        {
            var row = w.AsSpan(c * perChannel, perChannel);
            float absMax = 0;
            foreach (float v in row) absMax = Math.Max(absMax, Math.Abs(v));
            // A zero channel (pruned) takes any scale; a tiny one is raised until the int32 bias cannot overflow.
            float scale = absMax > 0 ? absMax / 127f : 1f;
            if (bias is not null) scale = Math.Max(scale, Math.Abs(bias[c]) / (inputScale * (1 << 30)));
            scales[c] = scale;
            for (int i = 0; i < perChannel; i++) q[c * perChannel + i] = (sbyte)Math.Clamp(MathF.Round(row[i] / scale), -127, 127);
        }
        onnx.Initializer.Remove(weight);
        layer.Input[1] = Dequantized(onnx, layer, weight.Name, weight.Dims, TensorProto.Types.DataType.Int8, MemoryMarshal.AsBytes(q.AsSpan()).ToArray(), scales);
        if (bias is null) return;
        var biasProto = onnx.Initializer.Single(t => t.Name == layer.Input[2]);
        var biasScales = scales.Select(s => s * inputScale).ToArray();
        var qb = bias.Select((b, c) => (int)Math.Round(b / (double)biasScales[c])).ToArray();
        onnx.Initializer.Remove(biasProto);
        layer.Input[2] = Dequantized(onnx, layer, biasProto.Name, biasProto.Dims, TensorProto.Types.DataType.Int32, MemoryMarshal.AsBytes(qb.AsSpan()).ToArray(), biasScales);
    }

    // An integer initializer with per-channel scales and zero points of 0, and the DequantizeLinear (axis 0) that reads it.
    private static string Dequantized(GraphProto onnx, NodeProto layer, string name, IEnumerable<long> dims, TensorProto.Types.DataType type, byte[] data, float[] scales)
    {
        int channels = scales.Length;
        int width = type == TensorProto.Types.DataType.Int8 ? 1 : 4;
        onnx.Initializer.Add(Raw($"{name}_quantized", dims, type, data));
        onnx.Initializer.Add(Raw($"{name}_scale", [channels], TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(scales.AsSpan()).ToArray()));
        onnx.Initializer.Add(Raw($"{name}_zero_point", [channels], type, new byte[channels * width]));
        var dq = OnnxExporter.Op("DequantizeLinear", $"{name}_dequantized", [$"{name}_quantized", $"{name}_scale", $"{name}_zero_point"], OnnxExporter.Int("axis", 0));
        onnx.Node.Insert(onnx.Node.IndexOf(layer), dq);
        return dq.Output[0];
    }

    /// <summary>Puts a QuantizeLinear -> DequantizeLinear pair on each tensor and makes its consumers read the dequantised copy.</summary>
    private static void InsertQdqPairs(GraphProto onnx, Dictionary<string, (float Scale, byte ZeroPoint)> quantized)
    {
        foreach (var (tensor, (scale, zeroPoint)) in quantized)
        {
            onnx.Initializer.Add(Raw($"{tensor}_act_scale", [], TensorProto.Types.DataType.Float, BitConverter.GetBytes(scale)));
            onnx.Initializer.Add(Raw($"{tensor}_act_zero_point", [], TensorProto.Types.DataType.Uint8, [zeroPoint]));
            var q = OnnxExporter.Op("QuantizeLinear", $"{tensor}_act_quantized", [tensor, $"{tensor}_act_scale", $"{tensor}_act_zero_point"]);
            var dq = OnnxExporter.Op("DequantizeLinear", $"{tensor}_act_dequantized", [q.Output[0], $"{tensor}_act_scale", $"{tensor}_act_zero_point"]);
            foreach (var node in onnx.Node)
                for (int i = 0; i < node.Input.Count; i++)
                    if (node.Input[i] == tensor) node.Input[i] = dq.Output[0];
            int at = onnx.Node.Select((n, i) => (n, i)).FirstOrDefault(p => p.n.Output[0] == tensor, (null!, -1)).Item2 + 1;
            onnx.Node.Insert(at, q);
            onnx.Node.Insert(at + 1, dq);
        }
    }

    private static float[] Floats(TensorProto tensor) =>
        tensor.RawData.Length > 0 ? MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray() : [.. tensor.FloatData];

    private static TensorProto Raw(string name, IEnumerable<long> dims, TensorProto.Types.DataType type, byte[] data)
    {
        var proto = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(data) };
        proto.Dims.AddRange(dims);
        return proto;
    }
}
