using Ascai.Compression;
using Ascai.Cost;
using Ascai.Graph;
using Ascai.Graph.Nodes;

namespace Ascai.Reporting;

/// <summary>One conv or linear layer of the original model: its setting in a plan, and its cost before and after.</summary>
public sealed record LayerRow(string Layer, string Setting, long BaseMacs, long Macs, long BaseParams, long Params);

/// <summary>The per-layer view of a compression plan.</summary>
public static class LayerTable
{
    /// <summary>
    /// A row per conv and linear layer of <paramref name="original"/>, with the cost of what replaced it in
    /// <paramref name="compressed"/> (itself, or its decomposition factors <c>layer.*</c>); pruning a layer's
    /// channels also lowers the cost of the layers that read them, so every layer can change. Layers named in
    /// <paramref name="int8"/> say so in their setting.
    /// </summary>
    public static List<LayerRow> Of(LayerGraph original, LayerGraph compressed, CompressionPlan plan, IReadOnlySet<string>? int8 = null)
    {
        var before = CostModel.Profile(original);
        var after = CostModel.Profile(compressed);
        return original.Nodes.Where(n => n is Conv2dNode or LinearNode).Select(n =>
        {
            var parts = after.Layers.Where(l => l.Name == n.Name || l.Name.StartsWith(n.Name + ".", StringComparison.Ordinal)).ToList();
            var settings = plan.Layers.Where(p => p.Key == n.Name || original.Nodes.Any(a => a.Name == p.Key && a is ActivationNode && Feeds(original, n.Name, a.Name)))
                .Select(p => Describe(p.Value)).Concat(int8 is not null && int8.Contains(n.Name) ? ["int8"] : []);
            var cost = before[n.Name];
            return new LayerRow(n.Name, string.Join(" + ", settings), cost.Macs, parts.Sum(p => p.Macs), cost.Params, parts.Sum(p => p.Params));
        }).ToList();
    }

    /// <summary>A setting in words: "ps 35%", "svd rank bin 12", "tucker2 bins (3, 5)".</summary>
    public static string Describe(LayerSetting s) => s.Method switch
    {
        "ps" or "pn" => $"{s.Method} {100 * (s.Ratio ?? 0):F0}%",
        "svd" => s.Bin is { } b ? $"svd bin {b}" : $"svd rank {s.Rank}",
        "tucker2" => s.Bins is { } bins ? $"tucker2 bins ({string.Join(", ", bins)})" : $"tucker2 ranks ({string.Join(", ", s.Ranks ?? [])})",
        _ => s.Method,
    };

    // A ps setting may be keyed by the activation its mask follows (D+Ps): it belongs to the layer feeding it.
    private static bool Feeds(LayerGraph graph, string layer, string activation)
    {
        string current = activation;
        while (graph[current] is ActivationNode or BatchNormNode)
        {
            current = graph[current].Inputs[0];
            if (current == layer) return true;
        }
        return false;
    }
}
