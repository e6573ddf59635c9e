using Ascai.Graph;
using Ascai.Graph.Nodes;
using static TorchSharp.torch;

namespace Ascai.Compression;

/// <summary>
/// Turns a masked graph into a physically smaller one: the channels the masks remove (<see cref="ChannelDependencies.Removed"/>)
/// leave every tensor they appear in, each node rebuilt by its own kind with the channels it keeps
/// (<see cref="Node.WithChannels"/>: a conv loses output filters and input slices, a batch-norm its statistics, a slice
/// or shuffle renumbers), then the masks are removed. The result computes the same outputs as the masked graph, at the
/// cost <see cref="Cost.CostModel"/> predicted for it.
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
        var dependencies = ChannelDependencies.Of(compact);
        var removed = dependencies.Removed();
        var shapes = compact.InferShapes();
        var kept = compact.Nodes.ToDictionary(n => n.Name, n => dependencies.MembersOf(n.Name)
            .Select((m, c) => (m, c)).Where(x => x.m is not { } member || !removed.TryGetValue(member.Group, out var r) || !r[member.Index])
            .Select(x => x.c).ToArray());
        int Channels(string tensor) => dependencies.MembersOf(tensor).Length;
        foreach (var node in compact.Nodes.Skip(1).ToList())
        {
            if (kept[node.Name].Length == Channels(node.Name) && node.Inputs.All(i => kept[i].Length == Channels(i))) continue;
            var selection = new ChannelSelection(node.Inputs.Select(i => kept[i]).ToArray(), node.Inputs.Select(dependencies.SpatialOf).ToArray(),
                node.Inputs.Select(Channels).ToArray(), kept[node.Name], dependencies.SpatialOf(node.Name));
            compact.Replace(node.Name, [node.WithChannels(selection)]);
        }
        foreach (var mask in compact.Nodes.OfType<ChannelMaskNode>().ToList()) compact.Bypass(mask.Name);
        compact.Validate();
    }
}
