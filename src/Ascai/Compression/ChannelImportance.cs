using Ascai.Data;
using Ascai.Graph;
using Ascai.Graph.Nodes;
using static TorchSharp.torch;
using Ascai.Runtime;

namespace Ascai.Compression;

/// <summary>Scores every masked channel of a graph: higher means more important, pruned last.</summary>
public static class ChannelImportance
{
    /// <summary>
    /// Molchanov et al.'s first-order Taylor criterion: for each image and masked channel, |d loss / d m_c|, the
    /// sensitivity of the loss to the channel's mask (= |sum over positions of activation x gradient|), summed over
    /// the images. One forward and backward pass over the images, in eval mode, for all masks at once.
    /// </summary>
    public static Dictionary<string, float[]> Taylor(LayerGraph graph, ImageDataset data, IReadOnlyList<int> indices,
        Normalization normalization, int batchSize = 100)
    {
        var masks = graph.Nodes.OfType<ChannelMaskNode>().ToList();
        var sums = masks.ToDictionary(m => m.Name, m => zeros(m.Channels, dtype: ScalarType.Float64).DetachFromDisposeScope());
        var parameters = graph.Parameters().ToList();
        foreach (var p in parameters) p.requires_grad = false; // only the probes need gradients
        try
        {
            foreach (var (images, labels) in new BatchLoader(data, normalization).Batches(indices, batchSize))
            {
                using var scope = NewDisposeScope();
                foreach (var m in masks) m.Probe = ones(images.shape[0], m.Channels).requires_grad_(true);
                var loss = nn.functional.cross_entropy(graph.Logits(images), labels, reduction: nn.Reduction.Sum);
                loss.backward();
                // Note `sum(dim: 0L)`: a bare `sum(0)` binds to sum(ScalarType) in TorchSharp and sums everything.
                foreach (var m in masks) sums[m.Name].PlusInPlace(m.Probe!.grad!.abs().sum(dim: 0L).to_type(ScalarType.Float64));
            }
        }
        finally
        {
            foreach (var m in masks) m.Probe = null;
            foreach (var p in parameters) p.requires_grad = true;
        }
        return sums.ToDictionary(s => s.Key, s => { using var t = s.Value; return t.to_type(ScalarType.Float32).data<float>().ToArray(); });
    }

    /// <summary>L1 norm of each channel's filter in the nearest conv or linear layer producing it (data-free).</summary>
    public static Dictionary<string, float[]> L1(LayerGraph graph)
    {
        using var scope = NewDisposeScope();
        return ChannelGroup.Of(graph).ToDictionary(g => g.Mask, g =>
        {
            var producer = g.Producers.Select(n => graph[n]).First(n => n is Conv2dNode or LinearNode);
            return producer.Parameters["weight"].detach().abs().flatten(1).sum(1).data<float>().ToArray();
        });
    }
}
