using Ascai.Graph;
using Ascai.Graph.Nodes;
using static TorchSharp.torch;

namespace Ascai.Compression;

/// <summary>
/// Ps, structured pruning: one ratio per <see cref="ChannelGroup"/> (a conv or linear layer's output channels with
/// everything tied to them), masks where the group's readers need them (<see cref="MaskPlacement"/>), channels ranked
/// once per model (<see cref="ChannelImportance"/>, cached in the context); a ratio p zeroes the floor(p * C) least
/// important channels of the group, never all of them (in a group of blocks, the same number in every block). A group
/// is named by its first layer (after a decomposition, by the original layer's name), or by the tensor its mask follows
/// when that mask is its own: the only name left free when the same conv is also decomposed in one plan (D+Ps).
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
        var dependencies = ChannelDependencies.Of(graph);
        return dependencies.Groups.Select(g => g.Name).Concat(dependencies.Groups.Select(AliasOf(graph)).OfType<string>());
    }

    /// <summary>
    /// The command line's default rounding of kept channels. Measured (docs/performance.md): a Ps model with exact,
    /// odd channel counts ran slower than the unpruned original in ONNX Runtime at batch 64 (0.53x) although it has
    /// 0.71 of the MACs; rounded to multiples of 8 it is faster than the original with both engines, and a default
    /// search evaluates its candidates 1.8x faster. Multiples of 16 (ONNX Runtime's blocked convolutions on AVX-512) gave
    /// models 4-9% faster but with 8-26% more MACs, so 8 it is. The library's own default stays exact (1): the method as
    /// written.
    /// </summary>
    public const int DefaultMultiple = 8;

    /// <summary>
    /// The second name of a group: the tensor its first mask follows, when no other group's mask is there and it is not
    /// a layer's name (null otherwise).
    /// </summary>
    public static Func<ChannelGroup, string?> AliasOf(LayerGraph graph)
    {
        var dependencies = ChannelDependencies.Of(graph);
        var shared = dependencies.Groups.SelectMany(g => dependencies.Sites(g)).GroupBy(s => s).Where(s => s.Count() > 1).Select(s => s.Key).ToHashSet();
        return g => dependencies.Sites(g).FirstOrDefault() is { } site && !shared.Contains(site) && graph[site] is not (Conv2dNode or LinearNode) ? site : null;
    }

    /// <summary>
    /// The group a setting names: by its first layer, by its alias, or (in a decomposed graph) by the original layer whose
    /// last factor now creates the channels.
    /// </summary>
    public static ChannelGroup GroupOf(LayerGraph graph, string layer)
    {
        var groups = ChannelDependencies.Of(graph).Groups;
        if (groups.FirstOrDefault(g => g.Name == layer) is { } named) return named;
        var alias = AliasOf(graph);
        var order = graph.Nodes.Select((n, i) => (n.Name, i)).ToDictionary(p => p.Name, p => p.i);
        return groups.FirstOrDefault(g => alias(g) == layer)
            ?? groups.Where(g => g.Layers.Any(l => l.StartsWith(layer + ".", StringComparison.Ordinal)))
                .OrderByDescending(g => g.Layers.Where(l => l.StartsWith(layer + ".", StringComparison.Ordinal)).Max(l => order[l])).FirstOrDefault()
            ?? throw new AscaiException($"layer '{layer}': ps applies to layers whose output channels can be removed ({string.Join(", ", groups.Select(g => g.Name))})");
    }

    /// <inheritdoc/>
    public void Prepare(LayerGraph graph, IReadOnlyList<string> layers) => MaskPlacement.Ensure(graph, layers.Select(l => GroupOf(graph, l)).ToList());

    /// <inheritdoc/>
    public void Apply(LayerGraph graph, string layer, LayerSetting setting, CompressionContext context)
    {
        double p = Settings.Ratio(layer, setting);
        var named = GroupOf(graph, layer);
        string name = named.Name;
        var masks = MaskPlacement.Ensure(graph, named);
        var dependencies = ChannelDependencies.Of(graph);
        var group = dependencies.Groups.First(g => g.Name == name);
        var scores = context.ScoresOf(graph, group);
        var after = Choose(group, scores, group.PrunedCount(p, context.ChannelMultiple));
        var before = new bool[group.Channels];
        using var scope = NewDisposeScope();
        foreach (string maskName in masks)
        {
            var mask = (ChannelMaskNode)graph[maskName];
            var values = mask.Buffers["mask"].data<float>().ToArray();
            int spatial = dependencies.SpatialOf(maskName);
            foreach (var (position, index) in dependencies.Positions(maskName, group))
                for (int s = 0; s < spatial; s++)
                {
                    before[index] |= values[position * spatial + s] == 0;
                    values[position * spatial + s] = after[index] ? 0 : 1;
                }
            mask.SetTensor("mask", tensor(values));
        }
        if (context.Fill == PrunedChannelFill.Mean)
            MeanCompensation.Apply(graph, group, before.Zip(after, (was, now) => (was ? 0f : 1f) - (now ? 0f : 1f)).ToArray(), context.MomentsOf(graph, group));
        else if (context.Fill == PrunedChannelFill.Linear)
            LinearCompensation.Apply(graph, group, before, after, context.MomentsOf(graph, group));
    }

    /// <summary>
    /// The channels to remove: the <paramref name="pruned"/> least important (ties by index, so the choice is deterministic);
    /// in a group of blocks, the least important of each block, as many in every block.
    /// </summary>
    private static bool[] Choose(ChannelGroup group, float[] scores, int pruned)
    {
        var removed = new bool[group.Channels];
        var blocks = Enumerable.Range(0, group.Channels).GroupBy(c => group.Blocks?[c] ?? 0);
        foreach (var block in blocks)
            foreach (int c in block.OrderBy(c => scores[c]).ThenBy(c => c).Take(pruned / group.BlockCount)) removed[c] = true;
        return removed;
    }
}
