namespace Ascai.Graph;

/// <summary>
/// What a node tells the channel analysis (<see cref="ChannelDependencies"/>) about how its output channels relate to
/// its inputs' channels: a node kind declares it once, in its own file (<see cref="Node.LinkChannels"/>), and channel
/// pruning, compaction, costs and fills follow from it. A node that declares nothing is opaque: no channel it touches
/// can be removed.
/// </summary>
public sealed class ChannelLinks
{
    internal ChannelLinks(IReadOnlyList<Shape> inputs, Shape output) => (Inputs, Output) = (inputs, output);

    /// <summary>The shapes of the node's inputs.</summary>
    public IReadOnlyList<Shape> Inputs { get; }
    /// <summary>The shape of the node's output.</summary>
    public Shape Output { get; }

    internal enum Relation { Opaque, Fresh, Same, Sum, Scale, Concat, Range, Gather, Flatten }

    internal Relation How { get; private set; } = Relation.Opaque;
    internal int From { get; private set; }
    internal int Gate { get; private set; } = -1;
    internal int Start { get; private set; }
    internal int[]? Order { get; private set; }
    internal List<int> ReadInputs { get; } = [];
    internal int[] ZeroInputs { get; private set; } = [];
    internal int Blocks { get; private set; } = 1;
    internal bool MaskAfter { get; private set; }

    private ChannelLinks Set(Relation how, int from = 0)
    {
        if (How != Relation.Opaque) throw new InvalidOperationException($"a node declares one channel relation ({How} already, then {how})");
        (How, From) = (how, from);
        return this;
    }

    /// <summary>The output channels are new ones, computed from the inputs (a conv or linear layer).</summary>
    public ChannelLinks Fresh() => Set(Relation.Fresh);

    /// <summary>Output channel i is channel i of input <paramref name="input"/> (a per-channel operation).</summary>
    public ChannelLinks Same(int input = 0) => Set(Relation.Same, input);

    /// <summary>Output channel i is the sum of every input's channel i (a residual connection): their channels go together.</summary>
    public ChannelLinks Sum() => Set(Relation.Sum);

    /// <summary>Output channel i is channel i of <paramref name="input"/> scaled by channel i of <paramref name="gate"/> (squeeze-and-excitation).</summary>
    public ChannelLinks Scale(int input, int gate)
    {
        Gate = gate;
        return Set(Relation.Scale, input);
    }

    /// <summary>The output channels are the inputs' channels one after the other.</summary>
    public ChannelLinks Concat() => Set(Relation.Concat);

    /// <summary>Output channel i is channel <paramref name="start"/> + i of input <paramref name="input"/>.</summary>
    public ChannelLinks Range(int input, int start)
    {
        Start = start;
        return Set(Relation.Range, input);
    }

    /// <summary>Output channel j is channel <paramref name="order"/>[j] of input <paramref name="input"/> (a permutation).</summary>
    public ChannelLinks Gather(int input, int[] order)
    {
        Order = order;
        return Set(Relation.Gather, input);
    }

    /// <summary>The output is input <paramref name="input"/>'s (C, H, W) flattened channel-major: channel c owns H*W features.</summary>
    public ChannelLinks Flatten(int input = 0) => Set(Relation.Flatten, input);

    /// <summary>
    /// The node mixes the channels of input <paramref name="input"/> (a conv or linear layer reads them): a pruned channel
    /// must arrive there as zero, and compaction removes it from the node's weights.
    /// </summary>
    public ChannelLinks Reads(int input = 0)
    {
        ReadInputs.Add(input);
        return this;
    }

    /// <summary>
    /// A channel that is zero in all of <paramref name="inputs"/> is zero in the output (ReLU, pooling, a sum, a product),
    /// so a mask upstream of this node also zeroes what it passes on.
    /// </summary>
    public ChannelLinks KeepsZeros(params int[] inputs)
    {
        ZeroInputs = inputs;
        return this;
    }

    /// <summary>The output channels fall into <paramref name="blocks"/> equal consecutive blocks that must keep equal counts (a grouped conv).</summary>
    public ChannelLinks InBlocks(int blocks)
    {
        Blocks = blocks;
        return this;
    }

    /// <summary>
    /// An element-wise function with f(0) = 0 (ReLU, HardSwish, SiLU): a mask wanted on its input is put on its output
    /// instead, where pruning masks are drawn (the function keeps a zeroed channel zero, so both are exact).
    /// </summary>
    public ChannelLinks MaskAfterMe()
    {
        MaskAfter = true;
        return this;
    }
}
