using Ascai.Graph;

namespace Ascai.Cost;

/// <summary>Cost of one node: its output shape, multiply-accumulates per sample and trainable parameters.</summary>
public sealed record LayerCost(string Name, string Kind, Shape OutputShape, long Macs, long Params);

/// <summary>Per-layer costs of a whole model, in graph order, with totals.</summary>
public sealed record ModelProfile(IReadOnlyList<LayerCost> Layers)
{
    /// <summary>Total multiply-accumulates per sample.</summary>
    public long TotalMacs => Layers.Sum(l => l.Macs);
    /// <summary>Total trainable parameters.</summary>
    public long TotalParams => Layers.Sum(l => l.Params);
}
