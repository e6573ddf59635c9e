using Ascai.Graph;
using Ascai.Graph.Nodes;
using static TorchSharp.torch;

namespace Ascai.Compression;

/// <summary>
/// Re-estimates the running statistics of every batch-norm of a compressed model on a few training batches before
/// it is scored (EagleEye, Li et al., ECCV 2020): pruning changes the distributions the batch-norms see, and
/// statistics measured on the original model misjudge the candidate. The batch-norms normalise with each batch's own
/// statistics while the running ones become their average; everything else runs as in inference (no dropout, no
/// gradients). The weights are untouched, so compact == masked still holds.
/// </summary>
public static class BatchNormReestimation
{
    /// <summary>Re-estimates <paramref name="graph"/>'s batch-norm statistics on <paramref name="batches"/> (normalised images); false when it has none.</summary>
    public static bool Apply(LayerGraph graph, IReadOnlyList<(float[] Values, long[] Shape)> batches)
    {
        var norms = graph.Nodes.OfType<BatchNormNode>().ToList();
        if (norms.Count == 0 || batches.Count == 0) return false;
        using var _ = no_grad();
        try
        {
            for (int k = 0; k < batches.Count; k++)
            {
                using var scope = NewDisposeScope();
                foreach (var norm in norms) norm.Reestimating = k;
                graph.Forward(tensor(batches[k].Values, batches[k].Shape));
            }
        }
        finally
        {
            foreach (var norm in norms) norm.Reestimating = null;
        }
        return true;
    }
}
