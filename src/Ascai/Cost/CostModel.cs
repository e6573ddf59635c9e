using Ascai.Graph;
using Ascai.Graph.Nodes;

namespace Ascai.Cost;

/// <summary>
/// Walks a graph and counts, per node, MACs (method.md section 2: conv = Cin/groups * kh*kw * Cout * Hout*Wout,
/// linear = in*out, every other node 0) and trainable parameters (weights, biases, batch-norm scale and shift).
/// Channels zeroed by masks are priced as removed wherever they appear (<see cref="ChannelDependencies"/>): the cost of a
/// masked graph is the cost of its compact form. Parameters that are exactly zero are counted apart (Pn).
/// </summary>
public static class CostModel
{
    /// <summary>Profiles every node of <paramref name="graph"/>.</summary>
    public static ModelProfile Profile(LayerGraph graph)
    {
        using var scope = TorchSharp.torch.NewDisposeScope(); // counting non-zero weights makes temporaries
        var shapes = EffectiveShapes(graph);
        var layers = graph.Nodes.Select(node =>
        {
            var inputs = node.Inputs.Select(i => shapes[i]).ToArray();
            long parameters = node.Params(inputs, shapes[node.Name]);
            // Pn: zeroed weights are not stored; only count them when no mask already shrank the layer.
            long nonZero = parameters == node.ParameterCount ? node.NonZeroParameterCount : parameters;
            return new LayerCost(node.Name, node.Kind, shapes[node.Name], node.Macs(inputs, shapes[node.Name]), parameters, nonZero);
        }).ToList();
        return new ModelProfile(layers);
    }

    /// <summary>Every node's output shape with masked channels removed.</summary>
    public static IReadOnlyDictionary<string, Shape> EffectiveShapes(LayerGraph graph)
    {
        var shapes = new Dictionary<string, Shape>(graph.InferShapes());
        var dependencies = ChannelDependencies.Of(graph);
        var removed = dependencies.Removed();
        if (removed.Count == 0) return shapes;
        foreach (var node in graph.Nodes)
        {
            int gone = dependencies.MembersOf(node.Name).Count(m => m is { } member && removed.TryGetValue(member.Group, out var r) && r[member.Index]);
            if (gone == 0) continue;
            var dims = shapes[node.Name].Dims.ToArray();
            dims[0] -= gone * dependencies.SpatialOf(node.Name); // a flatten's features shrink with its channels
            shapes[node.Name] = new Shape(dims);
        }
        return shapes;
    }
}
