using TorchSharp;
using Ascai.Graph;
using Ascai.Graph.Nodes;
using static TorchSharp.torch;
using Ascai.Runtime;

namespace Ascai.Compression;

/// <summary>
/// Pn, non-structured pruning: the floor(p * count) weights of smallest magnitude of a conv or linear layer are set
/// to zero (biases kept). The model keeps its shape; its cost is its non-zero parameter count (dense kernels run
/// the same MACs, so Ascai reports parameters for Pn, as the paper does).
/// </summary>
public sealed class MagnitudePruning : ICompressionMethod
{
    /// <inheritdoc/>
    public string Name => "pn";
    /// <inheritdoc/>
    public bool IsDecomposition => false;

    /// <inheritdoc/>
    public IEnumerable<string> Targets(LayerGraph graph) =>
        graph.Nodes.Where(n => n is Conv2dNode or LinearNode).Select(n => n.Name);

    /// <inheritdoc/>
    public void Apply(LayerGraph graph, string layer, LayerSetting setting, CompressionContext context)
    {
        double p = Settings.Ratio(layer, setting);
        var weight = graph[layer].Parameters["weight"];
        using var scope = NewDisposeScope();
        long count = weight.numel(), pruned = (long)Math.Floor(p * count);
        if (pruned == 0) return;
        // Exactly `pruned` weights: ties at the threshold are broken by position (stable sort), not all zeroed.
        var (_, order) = weight.detach().abs().flatten().sort(0, descending: false, stable: true);
        using (no_grad())
            weight.view(-1).index_fill_(0, order.narrow(0, 0, pruned), Scalars.Zero);
    }
}
