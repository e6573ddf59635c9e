using Ascai.Graph;
using Ascai.Graph.Nodes;
using static TorchSharp.torch;

namespace Ascai.Compression;

/// <summary>
/// Ps, structured pruning: masks go after the prunable activations (<see cref="MaskPlacement"/>), channels are
/// ranked once per model (<see cref="ChannelImportance"/>, cached in the context), and a ratio p zeroes the
/// floor(p * C) least important channels of a layer, never all of them. A layer is named by the conv or linear
/// layer that creates its channels (after a decomposition, by the original layer's name), or by the activation
/// the mask follows: the only name left free when the same conv is also decomposed in one plan (D+Ps).
/// </summary>
public sealed class ChannelPruning : ICompressionMethod
{
    /// <inheritdoc/>
    public string Name => "ps";
    /// <inheritdoc/>
    public bool IsDecomposition => false;

    /// <inheritdoc/>
    public IEnumerable<string> Targets(LayerGraph graph)
    {
        var groups = graph.Nodes.OfType<ChannelMaskNode>().Any() ? ChannelGroup.Of(graph) : MaskPlacement.Candidates(graph).ToList();
        return groups.Select(g => g.Source).Concat(groups.Select(g => g.Producers[0]));
    }

    /// <summary>
    /// The command line's default rounding of kept channels. Measured (docs/performance.md): a Ps model with exact,
    /// odd channel counts ran slower than the unpruned original in ONNX Runtime at batch 64 (0.53x) although it has
    /// 0.71 of the MACs; rounded to multiples of 8 it is faster than the original with both engines, and a default
    /// search evaluates its candidates 1.8x faster. The library's own default stays exact (1): the method as written.
    /// </summary>
    public const int DefaultMultiple = 8;

    /// <summary>
    /// Number of channels a ratio prunes out of <paramref name="channels"/>: floor(p * C), at most C - 1; with
    /// <paramref name="multiple"/> m > 1, the channels kept are rounded up to a multiple of m (or all C when C is
    /// not larger than m), because convolution kernels run blocks of 8 or 16 channels and odd counts run slower.
    /// </summary>
    public static int PrunedCount(double ratio, int channels, int multiple = 1)
    {
        int pruned = Math.Min((int)Math.Floor(ratio * channels), channels - 1);
        if (multiple <= 1) return pruned;
        int kept = Math.Min(channels, (channels - pruned + multiple - 1) / multiple * multiple);
        return channels - kept;
    }

    /// <summary>The mask group of a layer name: its source, or a decomposed layer's last factor.</summary>
    public static ChannelGroup GroupOf(IReadOnlyList<ChannelGroup> groups, string layer) =>
        groups.FirstOrDefault(g => g.Source == layer || g.Producers[0] == layer)
        ?? groups.FirstOrDefault(g => g.Source.StartsWith(layer + ".", StringComparison.Ordinal))
        ?? throw new AscaiException($"layer '{layer}': ps applies to layers whose output channels can be removed ({string.Join(", ", groups.Select(g => g.Source))})");

    /// <inheritdoc/>
    public void Apply(LayerGraph graph, string layer, LayerSetting setting, CompressionContext context)
    {
        double p = Settings.Ratio(layer, setting);
        var groups = MaskPlacement.Ensure(graph);
        var group = GroupOf(groups, layer);
        var scores = context.ImportanceOf(graph)[group.Mask];
        var mask = (ChannelMaskNode)graph[group.Mask];
        int pruned = PrunedCount(p, mask.Channels, context.ChannelMultiple);
        // Lowest importance first; ties by channel index, so the choice is deterministic.
        var removed = Enumerable.Range(0, mask.Channels).OrderBy(c => scores[c]).ThenBy(c => c).Take(pruned).ToList();
        var values = Enumerable.Repeat(1f, mask.Channels).ToArray();
        foreach (int c in removed) values[c] = 0;
        using var scope = NewDisposeScope();
        var before = mask.Buffers["mask"].data<float>().ToArray();
        mask.SetTensor("mask", tensor(values));
        if (context.Fill == PrunedChannelFill.Mean)
            MeanCompensation.Apply(graph, group, before.Zip(values, (was, now) => was - now).ToArray(), context.MomentsOf(graph));
        else if (context.Fill == PrunedChannelFill.Linear)
            LinearCompensation.Apply(graph, group, before, values, context.MomentsOf(graph));
    }
}
