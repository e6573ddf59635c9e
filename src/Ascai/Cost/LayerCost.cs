using Ascai.Graph;

namespace Ascai.Cost;

/// <summary>Cost of one node: output shape, multiply-accumulates per sample, trainable parameters and how many of them are not zero.</summary>
public sealed record LayerCost(string Name, string Kind, Shape OutputShape, long Macs, long Params, long NonZeroParams);

/// <summary>Per-layer costs of a whole model, in graph order, with totals.</summary>
public sealed record ModelProfile(IReadOnlyList<LayerCost> Layers)
{
    /// <summary>Total multiply-accumulates per sample.</summary>
    public long TotalMacs => Layers.Sum(l => l.Macs);
    /// <summary>Total trainable parameters.</summary>
    public long TotalParams => Layers.Sum(l => l.Params);
    /// <summary>Total parameters that are not zero.</summary>
    public long TotalNonZeroParams => Layers.Sum(l => l.NonZeroParams);
    /// <summary>
    /// Bit-operations per sample: each layer's MACs x its weight bits x its activation bits / 1024, with the layers named in
    /// <paramref name="int8"/> at 8 x 8 bits and every other at 32 x 32 (so a float32 model's BOPs equal its MACs).
    /// </summary>
    public long TotalBops(IReadOnlySet<string>? int8 = null) =>
        Layers.Sum(l => l.Macs * (int8 is not null && int8.Contains(l.Name) ? 8 * 8 : 32 * 32)) / 1024;
    /// <summary>A layer by name.</summary>
    public LayerCost this[string name] => Layers.First(l => l.Name == name);
}
