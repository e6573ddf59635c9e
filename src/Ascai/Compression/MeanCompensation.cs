using Ascai.Graph;
using Ascai.Graph.Nodes;
using static TorchSharp.torch;
using Ascai.Runtime;

namespace Ascai.Compression;

/// <summary>
/// What a pruned channel leaves behind in its consumers. The paper's structured pruning zeroes it, which also
/// removes its mean from every consumer's output and shifts the batch-norms after them. Mean compensation adds that
/// mean back as a constant: for each consumer, bias += sum over the pruned inputs of mean x weight (summed over the
/// kernel for a conv, so exact away from zero-padded borders). The constant goes into the consumer's bias, or into
/// the running mean of the batch-norm that alone follows a bias-free consumer, so the masked and the compact
/// graphs stay equal and no parameter is added in the usual conv + BN block.
/// </summary>
public static class MeanCompensation
{
    /// <summary>
    /// Folds the means (<see cref="ChannelMoments.Means"/>) of the channels of <paramref name="group"/> whose mask changed into
    /// the group's consumers: <paramref name="change"/>[c] = 1 for a channel just pruned, -1 for one restored, 0 otherwise
    /// (so pruning a group twice, or re-pruning it differently, compensates each channel once).
    /// </summary>
    public static void Apply(LayerGraph graph, ChannelGroup group, float[] change, IReadOnlyDictionary<string, ChannelMoments> moments)
    {
        if (change.All(c => c == 0)) return;
        using var scope = NewDisposeScope();
        foreach (string name in group.Consumers)
        {
            var node = graph[name];
            var measured = ChannelMoments.At(moments, graph, name);
            var (weight, inputs) = node switch
            {
                Conv2dNode c => (c.Parameters["weight"].detach().sum([2L, 3L]), c.InChannels),
                LinearNode l => (l.Parameters["weight"].detach(), l.InFeatures),
                _ => throw new InvalidOperationException($"cannot compensate pruned inputs of {node.Kind} '{name}'"),
            };
            // After a flatten, channel c owns inputs c*spatial .. c*spatial + spatial - 1.
            var perInput = tensor(change).repeat_interleave(inputs / change.Length);
            AddToOutput(graph, name, weight.matmul(tensor(measured.Means()) * perInput));
        }
    }

    /// <summary>
    /// Adds a constant per output channel to a conv or linear layer's output: to its bias, or to the running mean of
    /// the batch-norm that alone follows a bias-free layer, or else as a new bias.
    /// </summary>
    internal static void AddToOutput(LayerGraph graph, string name, Tensor shift)
    {
        var node = graph[name];
        if (node.Parameters.TryGetValue("bias", out var bias))
        {
            node.SetTensor("bias", bias.detach().Plus(shift));
            return;
        }
        var next = graph.Consumers(name).ToList();
        if (next is [BatchNormNode bn])
        {
            // BN(x + shift) with running mean mu equals BN(x) with running mean mu - shift.
            bn.SetTensor("running_mean", bn.Buffers["running_mean"] - shift);
            return;
        }
        Node biased = node switch
        {
            Conv2dNode c => c.Resized(c.InChannels, c.OutChannels, hasBias: true),
            LinearNode l => l.Resized(l.InFeatures, l.OutFeatures, hasBias: true),
            _ => throw new InvalidOperationException($"cannot add a bias to {node.Kind} '{name}'"),
        };
        biased.SetTensor("weight", node.Parameters["weight"]);
        biased.SetTensor("bias", shift);
        graph.Replace(name, [biased]);
    }
}
