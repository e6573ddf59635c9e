using Ascai.Graph.Nodes;
using static TorchSharp.torch;

namespace Ascai.Graph;

/// <summary>
/// Folds each inference-mode batch-norm into the conv or linear layer before it (when that layer feeds nothing
/// else): W' = W * gamma / sqrt(var + eps) per output channel, b' = (b - mean) * gamma / sqrt(var + eps) + beta.
/// The folded graph computes the same function (to float rounding) with one node less per pair. What PyTorch's
/// ONNX export does in eval mode, and what a quantised layer needs: its scale then covers the normalised output.
/// </summary>
public static class BatchNormFolding
{
    /// <summary>A copy of <paramref name="graph"/> with every foldable batch-norm folded; the original is untouched.</summary>
    public static LayerGraph Fold(LayerGraph graph)
    {
        var folded = graph.Clone();
        try
        {
            foreach (var bn in folded.Nodes.OfType<BatchNormNode>().ToList()) FoldOne(folded, bn);
            return folded;
        }
        catch
        {
            folded.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Gives every conv whose output no batch-norm reads one of its own, in place, for training: a network exported with
    /// its batch-norms folded into its convs trains as a network without them (SGD at the rate the original was trained
    /// with diverges within a few steps), and one re-inserted restores the conditioning the original was trained with.
    /// Each starts as the identity on <paramref name="batches"/> (its running statistics measured there, its scale and
    /// shift set to them), so the graph computes the same function in eval mode and about the same in training mode.
    /// Returns their names, for <see cref="FoldInserted"/>.
    /// </summary>
    public static IReadOnlyList<string> InsertForTraining(LayerGraph graph, IEnumerable<Tensor> batches)
    {
        var convs = graph.Nodes.OfType<Conv2dNode>()
            .Where(c => c.Name != graph.Output && !graph.Consumers(c.Name).Any(n => n is BatchNormNode)).ToList();
        if (convs.Count == 0) return [];
        // Per channel: sum, sum of squares and count over images and positions, in float64.
        var sums = convs.ToDictionary(c => c.Name, c => (Sum: new double[c.OutChannels], Squares: new double[c.OutChannels], Count: 0L));
        using (inference_mode())
            foreach (var batch in batches)
            {
                using var scope = NewDisposeScope();
                graph.Forward(batch, observe: (name, value) =>
                {
                    if (!sums.TryGetValue(name, out var s)) return;
                    using var inner = NewDisposeScope(); // each layer's float64 copies freed before the next layer's
                    var x = value.to_type(ScalarType.Float64);
                    var sum = x.sum([0, 2, 3]).data<double>().ToArray();
                    var squares = x.square().sum([0, 2, 3]).data<double>().ToArray();
                    for (int c = 0; c < sum.Length; c++) { s.Sum[c] += sum[c]; s.Squares[c] += squares[c]; }
                    sums[name] = s with { Count = s.Count + value.shape[0] * value.shape[2] * value.shape[3] };
                }).Dispose();
            }
        var inserted = new List<string>();
        foreach (var conv in convs)
        {
            var (sum, squares, count) = sums[conv.Name];
            if (count == 0) continue;
            var mean = sum.Select(v => (float)(v / count)).ToArray();
            var variance = squares.Select((v, c) => (float)Math.Max(v / count - (double)mean[c] * mean[c], 0)).ToArray();
            var bn = new BatchNormNode { Name = Unique(graph, $"{conv.Name}.bn"), Inputs = [conv.Name], Channels = conv.OutChannels };
            bn.SetTensor("running_mean", tensor(mean));
            bn.SetTensor("running_var", tensor(variance));
            bn.SetTensor("weight", tensor(variance.Select(v => MathF.Sqrt(v + (float)bn.Epsilon)).ToArray()));
            bn.SetTensor("bias", tensor(mean));
            graph.InsertAfter(conv.Name, bn);
            inserted.Add(bn.Name);
        }
        return inserted;
    }

    /// <summary>Folds back, in place, the batch-norms <see cref="InsertForTraining"/> inserted (with what training made of them).</summary>
    public static void FoldInserted(LayerGraph graph, IEnumerable<string> inserted)
    {
        foreach (string name in inserted)
            if (graph.Contains(name) && graph[name] is BatchNormNode bn && !FoldOne(graph, bn))
                throw new InvalidOperationException($"batch-norm '{name}' no longer follows a conv it can be folded into");
    }

    // Folds one batch-norm into the conv or linear layer it reads, when that layer feeds nothing else.
    private static bool FoldOne(LayerGraph graph, BatchNormNode bn)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var layer = graph[bn.Inputs[0]];
        if (layer is not (Conv2dNode or LinearNode) || graph.Consumers(layer.Name).Count() != 1 || graph.Output == layer.Name) return false;
        var scale = bn.Parameters["weight"] / (bn.Buffers["running_var"] + bn.Epsilon).sqrt();
        var weight = layer.Parameters["weight"];
        var shape = new long[weight.dim()];
        Array.Fill(shape, 1L);
        shape[0] = -1;
        var bias = layer.Parameters.TryGetValue("bias", out var b) ? b : zeros_like(scale);
        Node replacement = layer switch
        {
            Conv2dNode c => c.Resized(c.InChannels, c.OutChannels, hasBias: true),
            LinearNode l => l.Resized(l.InFeatures, l.OutFeatures, hasBias: true),
            _ => throw new InvalidOperationException(),
        };
        replacement.SetTensor("weight", weight * scale.reshape(shape));
        replacement.SetTensor("bias", (bias - bn.Buffers["running_mean"]) * scale + bn.Parameters["bias"]);
        graph.Replace(layer.Name, [replacement]);
        graph.Bypass(bn.Name);
        return true;
    }

    private static string Unique(LayerGraph graph, string name)
    {
        string candidate = name;
        for (int i = 2; graph.Contains(candidate); i++) candidate = $"{name}{i}";
        return candidate;
    }
}
