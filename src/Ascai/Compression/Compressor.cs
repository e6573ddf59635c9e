using Ascai.Graph;

namespace Ascai.Compression;

/// <summary>
/// Applies a <see cref="CompressionPlan"/> to a copy of a graph: every setting is checked first (unknown layer,
/// method not applicable, bad value: one clear error), then decompositions run, then pruning on the decomposed
/// graph (method.md: D then Ps), so "D+Ps" is one plan; then, when the context asks for it, the batch-norm
/// statistics are re-estimated on the compressed copy (<see cref="BatchNormReestimation"/>).
/// </summary>
public static class Compressor
{
    /// <summary>A compressed copy of <paramref name="graph"/>; the input graph is not changed.</summary>
    public static LayerGraph Apply(LayerGraph graph, CompressionPlan plan, CompressionContext context)
    {
        foreach (var (layer, setting) in plan.Layers)
        {
            var method = CompressionMethods.Get(setting.Method);
            if (!graph.Contains(layer)) throw new AscaiException($"unknown layer '{layer}' (see `ascai profile` for the names)");
            if (!method.Targets(graph).Contains(layer))
                throw new AscaiException($"layer '{layer}' ({graph[layer].Kind}): method {method.Name} does not apply to it (it applies to: {string.Join(", ", method.Targets(graph).Take(12))}{(method.Targets(graph).Count() > 12 ? ", ..." : "")})");
        }
        // Pruning statistics come from the model as given, not from its decomposed copy.
        if (plan.Layers.Values.Any(s => s.Method == "ps")) context.Prepare(graph);
        using var scope = TorchSharp.torch.NewDisposeScope(); // the methods' temporaries; the copy's tensors are its own
        var compressed = graph.Clone();
        try
        {
            foreach (var method in CompressionMethods.All.OrderBy(m => m.IsDecomposition ? 0 : 1))
            {
                var layers = plan.Layers.Where(l => CompressionMethods.Get(l.Value.Method) == method).ToList();
                if (layers.Count == 0) continue;
                method.Prepare(compressed, layers.Select(l => l.Key).ToList());
                foreach (var (layer, setting) in layers) method.Apply(compressed, layer, setting, context);
            }
            compressed.Validate();
            if (context.BatchNormImages > 0 && plan.Layers.Count > 0) BatchNormReestimation.Apply(compressed, context.ReestimationBatches());
            return compressed;
        }
        catch
        {
            compressed.Dispose();
            throw;
        }
    }
}
