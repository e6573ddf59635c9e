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
    /// <summary>A layer by name.</summary>
    public LayerCost this[string name] => Layers.First(l => l.Name == name);
}
