using Ascai.Graph;

namespace Ascai.Cost;

/// <summary>
/// Walks a graph and counts, per node, MACs (method.md section 2: conv = Cin/groups * kh*kw * Cout * Hout*Wout,
/// linear = in*out, every other node 0) and trainable parameters (weights, biases, batch-norm scale and shift).
/// </summary>
public static class CostModel
{
    /// <summary>Profiles every node of <paramref name="graph"/>.</summary>
    public static ModelProfile Profile(LayerGraph graph)
    {
        var shapes = graph.InferShapes();
        var layers = graph.Nodes.Select(node => new LayerCost(node.Name, node.Kind, shapes[node.Name],
            node.Macs(node.Inputs.Select(i => shapes[i]).ToArray(), shapes[node.Name]), node.ParameterCount)).ToList();
        return new ModelProfile(layers);
    }
}
