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
    /// every conv and linear layer that reads them: <paramref name="change"/>[c] = 1 for a channel just pruned, -1 for one
    /// restored, 0 otherwise (so pruning a group twice, or re-pruning it differently, compensates each channel once).
    /// <paramref name="moments"/> are the group's, by the tensor a layer reads; a grouped conv reading the group is left as it is.
    /// </summary>
    public static void Apply(LayerGraph graph, ChannelGroup group, float[] change, IReadOnlyDictionary<string, ChannelMoments> moments)
    {
        if (change.All(c => c == 0)) return;
        var dependencies = ChannelDependencies.Of(graph);
        using var scope = NewDisposeScope();
        foreach (var (name, input) in group.Readers)
        {
            var node = graph[name];
            string read = node.Inputs[input];
            var (weight, features) = node switch
            {
                Conv2dNode { Groups: 1 } c => (c.Parameters["weight"].detach().sum([2L, 3L]), c.InChannels),
                LinearNode l => (l.Parameters["weight"].detach(), l.InFeatures),
                _ => (null, 0),
            };
            if (weight is null) continue;
            var measured = moments.TryGetValue(read, out var m) ? m
                : throw new InvalidOperationException($"no channel moments measured for '{read}' of layer '{group.Name}'");
            // Every feature the layer reads: the group's channels' means where their mask changed, zero elsewhere
            // (after a flatten, channel c owns features c*spatial .. c*spatial + spatial - 1).
            int spatial = features / dependencies.MembersOf(read).Length;
            var means = measured.Means();
            var shift = new float[features];
            var at = dependencies.Positions(read, group);
            for (int i = 0; i < at.Length; i++)
                for (int s = 0; s < spatial; s++)
                    shift[at[i].Position * spatial + s] = means[i * spatial + s] * change[at[i].Index];
            AddToOutput(graph, name, weight.matmul(tensor(shift)));
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
