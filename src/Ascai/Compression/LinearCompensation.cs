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
    /// Folds the channels of <paramref name="group"/> pruned by going from mask <paramref name="before"/> to
    /// <paramref name="after"/> into the group's consumers. A channel restored (0 -> 1) cannot be unfolded.
    /// </summary>
    public static void Apply(LayerGraph graph, ChannelGroup group, float[] before, float[] after, IReadOnlyDictionary<string, ChannelMoments> moments)
    {
        if (before.Zip(after).Any(m => m.First == 0 && m.Second != 0))
            throw new AscaiException($"layer '{group.Source}': linear fill cannot restore a pruned channel (prune the unpruned model instead)");
        var pruned = Enumerable.Range(0, after.Length).Where(c => before[c] != 0 && after[c] == 0).Select(c => (long)c).ToArray();
        if (pruned.Length == 0) return;
        var kept = Enumerable.Range(0, after.Length).Where(c => after[c] != 0).Select(c => (long)c).ToArray();
        using var scope = NewDisposeScope();
        foreach (string name in group.Consumers)
        {
            var node = graph[name];
            var m = ChannelMoments.At(moments, graph, name);
            // Coefficients per position: positions x (kept + 1) x pruned, the last row the constant.
            var coefficients = Fit(m, kept, pruned);
            var weight = node.Parameters["weight"].detach();
            long outputs = weight.shape[0];
            // Output x channel x (kernel tap of a conv, or position of a flattened linear input).
            var perChannel = node switch
            {
                Conv2dNode => weight.reshape(outputs, m.Channels, -1),
                LinearNode => weight.reshape(outputs, m.Channels, m.Positions),
                _ => throw new InvalidOperationException($"cannot compensate pruned inputs of {node.Kind} '{name}'"),
            };
            var onPruned = perChannel.index_select(1, tensor(pruned));
            // A conv applies its one estimate at every kernel tap; a linear layer has one estimate per position.
            var delta = node is Conv2dNode
                ? einsum("opj,rp->orj", onPruned, coefficients[0])
                : einsum("ops,srp->ors", onPruned, coefficients);
            var updated = perChannel.index_add(1, tensor(kept), delta[.., ..kept.Length], Scalars.One).reshape(weight.shape);
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
