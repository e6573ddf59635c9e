using Ascai.Graph;
using Ascai.Graph.Nodes;
using static TorchSharp.torch;
using Ascai.Runtime;

namespace Ascai.Compression;

/// <summary>
/// Turns a masked graph into a physically smaller one: for every mask, the kept channels are sliced out of the
/// producing conv / linear layer, the batch-norms and depthwise convs on the way, and the input side of every
/// consuming layer (a linear layer after a flatten loses whole H*W blocks), then the mask is removed. The result
/// computes the same outputs as the masked graph, at the cost <see cref="Cost.CostModel"/> predicted for it.
/// </summary>
public static class Compactor
{
    /// <summary>A compact copy of <paramref name="graph"/>; the input graph is not changed.</summary>
    public static LayerGraph Compact(LayerGraph graph) => CompactOwned(graph.Clone());

    /// <summary>
    /// Compacts a graph the caller hands over, in place (no copy: for graphs that are already private copies), and
    /// returns it; if compaction fails the graph is disposed.
    /// </summary>
    public static LayerGraph CompactOwned(LayerGraph graph)
    {
        try
        {
            CompactInPlace(graph);
            return graph;
        }
        catch
        {
            graph.Dispose();
            throw;
        }
    }

    private static void CompactInPlace(LayerGraph compact)
    {
        using var scope = NewDisposeScope();
        var shapes = compact.InferShapes();
        foreach (var group in ChannelGroup.Of(compact))
        {
            var mask = (ChannelMaskNode)compact[group.Mask];
            var kept = tensor(mask.KeptChannels().Select(i => (long)i).ToArray());
            int k = (int)kept.shape[0];
            foreach (string name in group.Producers)
                compact.Replace(name, [SliceOutputs(compact[name], kept, k)]);
            foreach (string name in group.Consumers)
            {
                var node = compact[name];
                string input = node.Inputs[0];
                int spatial = shapes[input].Rank == 1 && node is LinearNode ? (int)(shapes[input].Elements / mask.Channels) : 1;
                compact.Replace(name, [SliceInputs(node, kept, k, spatial)]);
            }
            compact.Bypass(group.Mask);
        }
        compact.Validate();
    }

    private static Node SliceOutputs(Node node, Tensor kept, int k)
    {
        Node resized = node switch
        {
            Conv2dNode c => c.Resized(c.IsDepthwise ? k : c.InChannels, k),
            LinearNode l => l.Resized(l.InFeatures, k),
            BatchNormNode b => b.Resized(k),
            _ => NodeCloner.Clone(node), // activations, dropout: no channel-sized state
        };
        foreach (var (name, value) in node.AllTensors())
            resized.SetTensor(name, value.index_select(0, kept));
        return resized;
    }

    private static Node SliceInputs(Node node, Tensor kept, int k, int spatial)
    {
        switch (node)
        {
            case Conv2dNode c:
                var conv = c.Resized(k, c.OutChannels);
                conv.SetTensor("weight", c.Parameters["weight"].index_select(1, kept));
                if (c.HasBias) conv.SetTensor("bias", c.Parameters["bias"]);
                return conv;
            case LinearNode l:
                // After a flatten, channel c owns features c*spatial .. c*spatial + spatial - 1.
                var features = tensor(kept.data<long>().ToArray().SelectMany(c => Enumerable.Range(0, spatial).Select(s => c * spatial + s)).ToArray());
                var linear = l.Resized(k * spatial, l.OutFeatures);
                linear.SetTensor("weight", l.Parameters["weight"].index_select(1, features));
                if (l.HasBias) linear.SetTensor("bias", l.Parameters["bias"]);
                return linear;
            default:
                throw new InvalidOperationException($"cannot slice the inputs of {node.Kind} '{node.Name}'");
        }
    }
}
