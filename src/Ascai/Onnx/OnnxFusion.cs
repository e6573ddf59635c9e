using Ascai.Onnx.Proto;

namespace Ascai.Onnx;

/// <summary>
/// Before import, fuses the elementary operators older opsets write for a layer normalisation and a GELU back into the
/// one operator each stands for, so the importer sees what the model computes: PyTorch at opset 13 writes
/// <c>nn.LayerNorm</c> as ReduceMean, Sub, Pow 2, ReduceMean, Add eps, Sqrt, Div (then Mul by the weight, Add the bias),
/// fused into LayerNormalization (opset 17's operator), and the exact GELU as Div by sqrt(2), Erf, Add 1, Mul by x, Mul
/// by 0.5, fused into Gelu (opset 20's). A pattern whose intermediate values are read elsewhere is left alone.
/// </summary>
internal static class OnnxFusion
{
    /// <summary>Rewrites the nodes of <paramref name="graph"/> in place.</summary>
    public static void Fuse(GraphProto graph)
    {
        var scalars = Scalars(graph);
        var constants = Constants(graph);
        var nodes = graph.Node.ToList();
        var producer = new Dictionary<string, NodeProto>();
        var readers = new Dictionary<string, List<NodeProto>>();
        foreach (var node in nodes)
        {
            foreach (string output in node.Output) producer[output] = node;
            foreach (string input in node.Input) (readers.TryGetValue(input, out var r) ? r : readers[input] = []).Add(node);
        }
        NodeProto? Made(string tensor, string op) => producer.TryGetValue(tensor, out var n) && n.OpType == op ? n : null;
        List<NodeProto> ReadersOf(string tensor) => readers.GetValueOrDefault(tensor) ?? [];
        float? Scalar(string tensor) => scalars.TryGetValue(tensor, out float v) ? v : null;
        // The other input of a two-input node, when one of them is the scalar constant value.
        string? Beside(NodeProto node, float value) =>
            node.Input.Count == 2 && Near(Scalar(node.Input[1]), value) ? node.Input[0] : node.Input.Count == 2 && Near(Scalar(node.Input[0]), value) ? node.Input[1] : null;

        var removed = new HashSet<NodeProto>();
        var replacement = new Dictionary<NodeProto, NodeProto>(); // the pattern's last node -> the fused node
        foreach (var div in nodes.Where(n => n.OpType == "Div" && n.Input.Count == 2))
        {
            // Layer normalisation: d = x - mean(x); (d / sqrt(mean(d^2) + eps)) [* weight] [+ bias], over the last axis.
            if (Made(div.Input[0], "Sub") is not { } sub || Made(div.Input[1], "Sqrt") is not { } sqrt || Made(sub.Input[1], "ReduceMean") is not { } mean
                || mean.Input[0] != sub.Input[0] || !LastAxis(mean) || Made(sqrt.Input[0], "Add") is not { } addEps
                || Made(addEps.Input[0], "ReduceMean") is not { } variance || !LastAxis(variance) || Made(variance.Input[0], "Pow") is not { } square
                || square.Input[0] != sub.Output[0] || !Near(Scalar(square.Input[1]), 2) || Scalar(addEps.Input[1]) is not { } epsilon)
                continue;
            var pattern = new List<NodeProto> { mean, sub, square, variance, addEps, sqrt, div };
            string x = sub.Input[0], scale = "", bias = "";
            var last = div;
            if (ReadersOf(last.Output[0]) is [{ OpType: "Mul" } mul] && Other(mul, last.Output[0]) is { } w && constants.Contains(w))
            {
                (scale, last) = (w, mul);
                pattern.Add(mul);
            }
            if (ReadersOf(last.Output[0]) is [{ OpType: "Add" } add] && Other(add, last.Output[0]) is { } b && constants.Contains(b))
            {
                (bias, last) = (b, add);
                pattern.Add(add);
            }
            if (!Private(pattern, last, ReadersOf)) continue;
            var fused = new NodeProto { OpType = "LayerNormalization", Name = div.Name };
            fused.Input.AddRange([x, scale, bias]);
            fused.Output.Add(last.Output[0]);
            fused.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = -1 });
            fused.Attribute.Add(new AttributeProto { Name = "epsilon", Type = AttributeProto.Types.AttributeType.Float, F = epsilon });
            removed.UnionWith(pattern);
            replacement[last] = fused;
        }
        foreach (var erf in nodes.Where(n => n.OpType == "Erf"))
        {
            // GELU: x * 0.5 * (1 + erf(x / sqrt(2))), the products in either order.
            if (Made(erf.Input[0], "Div") is not { } scaled || Beside(scaled, MathF.Sqrt(2)) is not { } x || scaled.Input[0] != x
                || ReadersOf(erf.Output[0]) is not [{ OpType: "Add" } plusOne] || Beside(plusOne, 1) != erf.Output[0]
                || ReadersOf(plusOne.Output[0]) is not [{ OpType: "Mul" } gated] || !gated.Input.Contains(x)
                || ReadersOf(gated.Output[0]) is not [{ OpType: "Mul" } half] || Beside(half, 0.5f) != gated.Output[0])
                continue;
            List<NodeProto> pattern = [scaled, erf, plusOne, gated, half];
            if (!Private(pattern, half, ReadersOf) || pattern.Any(removed.Contains)) continue;
            var fused = new NodeProto { OpType = "Gelu", Name = erf.Name };
            fused.Input.Add(x);
            fused.Output.Add(half.Output[0]);
            removed.UnionWith(pattern);
            replacement[half] = fused;
        }
        if (removed.Count == 0) return;
        graph.Node.Clear();
        foreach (var node in nodes)
            if (replacement.TryGetValue(node, out var fused)) graph.Node.Add(fused);
            else if (!removed.Contains(node)) graph.Node.Add(node);
    }

    private static bool Near(float? value, float expected) => value is { } v && Math.Abs(v - expected) <= 1e-5f * Math.Max(1, Math.Abs(expected));

    private static bool LastAxis(NodeProto reduce) =>
        reduce.Attribute.FirstOrDefault(a => a.Name == "axes")?.Ints is [var axis] && axis is -1 && reduce.Attribute.FirstOrDefault(a => a.Name == "keepdims") is not { I: 0 };

    // A binary node's input other than the value flowing through.
    private static string? Other(NodeProto node, string through) =>
        node.Input.Count == 2 && node.Input.Count(i => i == through) == 1 ? node.Input.Single(i => i != through) : null;

    // Tensors known before any input is read: initializers, Constant nodes and Identity copies of them.
    private static HashSet<string> Constants(GraphProto graph)
    {
        var constants = graph.Initializer.Select(t => t.Name).ToHashSet();
        foreach (var node in graph.Node)
            if (node.OpType == "Constant" || node.OpType == "Identity" && constants.Contains(node.Input[0])) constants.Add(node.Output[0]);
        return constants;
    }

    // Whether only the pattern reads its intermediate values (the last node's output may be read by anything).
    private static bool Private(List<NodeProto> pattern, NodeProto last, Func<string, List<NodeProto>> readers) =>
        pattern.Where(n => n != last).All(n => readers(n.Output[0]).All(pattern.Contains));

    // Scalar float constants: one-element initializers and Constant nodes.
    private static Dictionary<string, float> Scalars(GraphProto graph)
    {
        var scalars = new Dictionary<string, float>();
        foreach (var t in graph.Initializer.Where(t => t.Dims.Aggregate(1L, (a, d) => a * d) == 1 && t.DataType == (int)TensorProto.Types.DataType.Float))
        {
            using var value = OnnxImporter.ToTensor(t);
            scalars[t.Name] = value.item<float>();
        }
        foreach (var node in graph.Node.Where(n => n.OpType == "Constant"))
            if (node.Attribute.FirstOrDefault(a => a.Name == "value")?.T is { } t && t.Dims.Aggregate(1L, (a, d) => a * d) == 1 && t.DataType == (int)TensorProto.Types.DataType.Float)
            {
                using var value = OnnxImporter.ToTensor(t);
                scalars[node.Output[0]] = value.item<float>();
            }
        return scalars;
    }
}
