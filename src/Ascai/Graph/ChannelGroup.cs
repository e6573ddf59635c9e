namespace Ascai.Graph;

/// <summary>
/// Channels that are removed together (the dependency group of Torch-Pruning, found by <see cref="ChannelDependencies"/>):
/// the output channels of one conv or linear layer, joined with those of every other layer they are tied to (the layers
/// summed by a residual connection, the gate of a squeeze-and-excitation block), followed through every node that
/// passes them on to the layers that read them. Channel pruning sets one ratio per group.
/// </summary>
/// <param name="Name">The group's first layer (in graph order): the name a setting prunes it by.</param>
/// <param name="Layers">Every conv or linear layer whose output channels are the group's.</param>
/// <param name="Readers">The layers that read the group's channels (node, input index): they lose the removed channels' weights.</param>
/// <param name="Channels">How many channels the group has (those of <see cref="Name"/>, for a group of one layer).</param>
/// <param name="BlockCount">The equal blocks its channels fall into, each keeping the same number (a grouped conv's groups; 1 = none).</param>
/// <param name="Blocks">The block of each channel, when <see cref="BlockCount"/> &gt; 1.</param>
/// <param name="Residual">Whether the group's channels meet in a residual sum (then several layers' outputs are pruned as one).</param>
public sealed record ChannelGroup(string Name, IReadOnlyList<string> Layers, IReadOnlyList<(string Node, int Input)> Readers, int Channels,
    int BlockCount, int[]? Blocks, bool Residual)
{
    /// <summary>
    /// Channels a ratio removes: floor(p * C), at most C - 1; with <paramref name="multiple"/> m &gt; 1 the channels kept are
    /// rounded up to a multiple of m (or all C when C is not larger than m), because convolution kernels run blocks of 8 or
    /// 16 channels and odd counts run slower; in a group of blocks, every block keeps the same number (rounded up).
    /// </summary>
    public int PrunedCount(double ratio, int multiple = 1) => PrunedCount(ratio, Channels, multiple, BlockCount);

    /// <inheritdoc cref="PrunedCount(double, int)"/>
    public static int PrunedCount(double ratio, int channels, int multiple, int blocks = 1)
    {
        int pruned = Math.Min((int)Math.Floor(ratio * channels), channels - 1);
        int kept = channels - pruned;
        if (multiple > 1) kept = Math.Min(channels, (kept + multiple - 1) / multiple * multiple);
        if (blocks > 1) kept = (kept + blocks - 1) / blocks * blocks;
        return channels - Math.Min(channels, kept);
    }

    /// <summary>Value equality would compare the lists by reference; a group is itself.</summary>
    public bool Equals(ChannelGroup? other) => ReferenceEquals(this, other);

    /// <inheritdoc/>
    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}
