using Ascai.Data;
using Ascai.Graph;
using Ascai.Graph.Nodes;
using static TorchSharp.torch;
using Ascai.Runtime;

namespace Ascai.Compression;

/// <summary>Scores every channel of every <see cref="ChannelGroup"/>: higher means more important, pruned last. By group name.</summary>
public static class ChannelImportance
{
    /// <summary>
    /// Molchanov et al.'s first-order Taylor criterion: for each image and channel, |d loss / d m_c|, the sensitivity of
    /// the loss to the channel's mask (= |sum over positions of activation x gradient|), summed over the images. A channel
    /// that several masks cover (a group tied through residual sums, a channel concatenated into several layers' inputs)
    /// has one mask value shared by all of them, so its derivative is the sum over them, taken per image. One forward and
    /// backward pass over the images, in eval mode, for all masks at once; the graph must hold every group's masks
    /// (<see cref="MaskPlacement.EnsureAll"/>). The sums are per image, so the batch (by default sized to the
    /// activations autograd keeps, <see cref="ActivationBudget.Backward"/>) changes nothing but memory.
    /// </summary>
    public static Dictionary<string, float[]> Taylor(LayerGraph graph, ImageDataset data, IReadOnlyList<int> indices,
        Normalization normalization, int? batchSize = null)
    {
        var dependencies = ChannelDependencies.Of(graph);
        var masks = graph.Nodes.OfType<ChannelMaskNode>().ToList();
        // Per group: which channels of which mask are which of its channels.
        var covers = dependencies.Groups.ToDictionary(g => g, g => masks
            .Select(m => (Mask: m, Spatial: dependencies.SpatialOf(m.Name), At: dependencies.Positions(m.Name, g)))
            .Where(c => c.At.Length > 0).ToList());
        var sums = dependencies.Groups.ToDictionary(g => g, g => zeros(g.Channels, dtype: ScalarType.Float64).DetachFromDisposeScope());
        var parameters = graph.Parameters().ToList();
        foreach (var p in parameters) p.requires_grad = false; // only the probes need gradients
        try
        {
            foreach (var (images, labels) in new BatchLoader(data, normalization).Batches(indices, batchSize ?? ActivationBudget.Backward(graph, 100)))
            {
                using var scope = NewDisposeScope();
                long n = images.shape[0];
                foreach (var m in masks) m.Probe = ones(n, m.Channels).requires_grad_(true);
                var loss = nn.functional.cross_entropy(graph.Logits(images), labels, reduction: nn.Reduction.Sum);
                loss.backward();
                foreach (var (group, cover) in covers)
                {
                    var derivative = zeros(n, group.Channels);
                    foreach (var (mask, spatial, at) in cover)
                    {
                        var grad = spatial == 1 ? mask.Probe!.grad! : mask.Probe!.grad!.view(n, -1, spatial).sum(dim: 2L);
                        derivative.index_add_(1, tensor(at.Select(a => (long)a.Index).ToArray()), grad.index_select(1, tensor(at.Select(a => (long)a.Position).ToArray())), Scalars.One);
                    }
                    // Note `sum(dim: 0L)`: a bare `sum(0)` binds to sum(ScalarType) in TorchSharp and sums everything.
                    sums[group].PlusInPlace(derivative.abs().sum(dim: 0L).to_type(ScalarType.Float64));
                }
            }
        }
        finally
        {
            foreach (var m in masks) m.Probe = null;
            foreach (var p in parameters) p.requires_grad = true;
        }
        return sums.ToDictionary(s => s.Key.Name, s => { using var t = s.Value; return t.to_type(ScalarType.Float32).data<float>().ToArray(); });
    }

    /// <summary>L1 norm of each channel's filter in the conv or linear layers that create it, summed over a group's layers (data-free).</summary>
    public static Dictionary<string, float[]> L1(LayerGraph graph)
    {
        using var scope = NewDisposeScope();
        var dependencies = ChannelDependencies.Of(graph);
        return dependencies.Groups.ToDictionary(g => g.Name, g =>
        {
            var scores = new float[g.Channels];
            foreach (string layer in g.Layers)
            {
                var norms = graph[layer].Parameters["weight"].detach().abs().flatten(1).sum(1).data<float>().ToArray();
                foreach (var (position, index) in dependencies.Positions(layer, g)) scores[index] += norms[position];
            }
            return scores;
        });
    }
}
