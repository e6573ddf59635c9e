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
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            foreach (var bn in folded.Nodes.OfType<BatchNormNode>().ToList())
            {
                var layer = folded[bn.Inputs[0]];
                if (layer is not (Conv2dNode or LinearNode) || folded.Consumers(layer.Name).Count() != 1 || folded.Output == layer.Name) continue;
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
                folded.Replace(layer.Name, [replacement]);
                folded.Bypass(bn.Name);
            }
            return folded;
        }
        catch
        {
            folded.Dispose();
            throw;
        }
    }
}
