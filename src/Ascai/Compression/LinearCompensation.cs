using Ascai.Graph;
using TorchSharp;
using Ascai.Graph.Nodes;
using static TorchSharp.torch;
using Ascai.Runtime;

namespace Ascai.Compression;

/// <summary>
/// Replaces each pruned channel, in its consumers, by its least-squares estimate from the channels its layer keeps:
/// x_p ≈ Σ_k a_pk x_k + b_p, fitted on the moments of the measurement images (<see cref="ChannelMoments"/>, with a
/// small ridge). The estimate is linear, so it folds into the consumers: W[:, k] += Σ_p a_pk W[:, p] and
/// bias += Σ_p b_p W[:, p] (summed over the kernel for a conv). No parameter is added, the masked and compact graphs
/// stay equal, and with no kept channel to regress on it is <see cref="MeanCompensation"/> (a_pk = 0, b_p = mean).
/// A conv reads every position with the same weights, so its estimate is shared by the positions; a linear layer
/// after a flatten gets one per position. At zero-padded borders the linear part stays exact (padding is zero in
/// every channel); only the constant is off there, as with mean compensation.
/// </summary>
public static class LinearCompensation
{
    /// <summary>Ridge added to the kept channels' second moments, relative to their mean diagonal: keeps nearly collinear channels solvable.</summary>
    public const double Ridge = 1e-3;

    /// <summary>
    /// Folds the channels of <paramref name="group"/> that go from kept (<paramref name="before"/>) to removed
    /// (<paramref name="after"/>) into every conv and linear layer that reads them, from the moments of the group's channels
    /// in what each reads (<paramref name="moments"/>, by tensor). A channel restored cannot be unfolded. A grouped conv
    /// reading the group is left as it is (zero fill): its groups see different channels.
    /// </summary>
    public static void Apply(LayerGraph graph, ChannelGroup group, bool[] before, bool[] after, IReadOnlyDictionary<string, ChannelMoments> moments)
    {
        if (before.Zip(after).Any(m => m.First && !m.Second))
            throw new AscaiException($"layer '{group.Name}': linear fill cannot restore a pruned channel (prune the unpruned model instead)");
        if (!before.Zip(after).Any(m => !m.First && m.Second)) return;
        var dependencies = ChannelDependencies.Of(graph);
        using var scope = NewDisposeScope();
        foreach (var (name, input) in group.Readers)
        {
            var node = graph[name];
            if (node is not (Conv2dNode { Groups: 1 } or LinearNode)) continue;
            string read = node.Inputs[input];
            var at = dependencies.Positions(read, group);
            // Rows of the moments follow the group's channels in the order the reader has them.
            long[] Local(Func<int, bool> wanted) => at.Select((a, i) => (a, i)).Where(x => wanted(x.a.Index)).Select(x => (long)x.i).ToArray();
            long[] Channels(long[] local) => local.Select(i => (long)at[i].Position).ToArray();
            var pruned = Local(i => !before[i] && after[i]);
            var kept = Local(i => !after[i]);
            var m = moments.TryGetValue(read, out var measured) ? measured
                : throw new InvalidOperationException($"no channel moments measured for '{read}' of layer '{group.Name}'");
            // Coefficients per position: positions x (kept + 1) x pruned, the last row the constant.
            var coefficients = Fit(m, kept, pruned);
            var weight = node.Parameters["weight"].detach();
            long outputs = weight.shape[0];
            int channels = dependencies.MembersOf(read).Length;
            // Output x channel x (kernel tap of a conv, or position of a flattened linear input).
            var perChannel = node is Conv2dNode ? weight.reshape(outputs, channels, -1) : weight.reshape(outputs, channels, m.Positions);
            var onPruned = perChannel.index_select(1, tensor(Channels(pruned)));
            // A conv applies its one estimate at every kernel tap; a linear layer has one estimate per position.
            var delta = node is Conv2dNode
                ? einsum("opj,rp->orj", onPruned, coefficients[0])
                : einsum("ops,srp->ors", onPruned, coefficients);
            var updated = perChannel.index_add(1, tensor(Channels(kept)), delta[.., ..kept.Length], Scalars.One).reshape(weight.shape);
            node.SetTensor("weight", updated);
            MeanCompensation.AddToOutput(graph, name, delta[.., kept.Length].sum(1));
        }
    }

    /// <summary>
    /// Least-squares coefficients of the pruned channels on the kept ones and the constant, per position:
    /// solves (G_RR + λ) A = G_RP with R = kept channels and the constant, P = pruned channels.
    /// </summary>
    private static Tensor Fit(ChannelMoments moments, long[] kept, long[] pruned)
    {
        var g = moments.ToTensor();
        var regressors = tensor(kept.Append(moments.Channels).ToArray());
        var grr = g.index_select(1, regressors).index_select(2, regressors);
        var grp = g.index_select(1, regressors).index_select(2, tensor(pruned));
        var diagonal = grr.diagonal(0, 1, 2)[.., ..kept.Length];
        using var relative = Ridge.ToScalar(); // explicit and disposed: see Scalars
        var ridge = diagonal.mean([1L], keepdim: true).mul(relative); // positions x 1
        var penalty = cat([ridge.expand(-1, kept.Length), zeros(ridge.shape[0], 1, dtype: ScalarType.Float64)], 1); // the constant is not shrunk
        var a = linalg.solve(grr.Plus(diag_embed(penalty)), grp);
        return a.to_type(ScalarType.Float32);
    }
}
