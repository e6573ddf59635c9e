using Ascai.Data;
using Ascai.Graph;
using TorchSharp;
using static TorchSharp.torch;
using Ascai.Runtime;

namespace Ascai.Compression;

/// <summary>
/// First and second moments of the channels of one <see cref="ChannelGroup"/>, measured where a layer reads them:
/// E[z zᵀ] with z = (x_1 .. x_C, 1), so the last row holds the means. A conv reads every position with the same
/// weights, so its input's moments are pooled over images and positions (<see cref="Positions"/> = 1); a linear layer
/// after a flatten weighs every position differently, so its input keeps one matrix per position (channel c owns
/// features c * Positions .. c * Positions + Positions - 1). What mean and linear compensation of pruned channels
/// need (<see cref="MeanCompensation"/>, <see cref="LinearCompensation"/>).
/// </summary>
/// <param name="Channels">C, the channels of the measured tensor.</param>
/// <param name="Positions">Matrices kept: 1 for a conv's input, the spatial size for a flattened linear input.</param>
/// <param name="Values">Positions x (C + 1) x (C + 1), row-major.</param>
public sealed record ChannelMoments(int Channels, int Positions, double[] Values)
{
    /// <summary>Mean of every input the consumer reads: per channel (conv) or per flattened feature (linear).</summary>
    public float[] Means()
    {
        int size = Channels + 1;
        var means = new float[Channels * Positions];
        for (int c = 0; c < Channels; c++)
            for (int s = 0; s < Positions; s++)
                means[c * Positions + s] = (float)Values[(s * size + c) * size + Channels];
        return means;
    }

    /// <summary>The key of the moments of <paramref name="group"/>'s channels in <paramref name="tensor"/> (a tensor a layer reads).</summary>
    public static string Key(string tensor, string group) => tensor + "|" + group;

    /// <summary>The moments as a float64 tensor of shape Positions x (C + 1) x (C + 1).</summary>
    public Tensor ToTensor() => tensor(Values, [Positions, Channels + 1, Channels + 1]);

    /// <summary>
    /// Moments by <see cref="Key"/>: of each group's channels, in every tensor a layer reads them from (in the order they
    /// have there), over <paramref name="indices"/>, in eval mode. Measured on the graph before pruning (masks all ones),
    /// so one result serves every candidate.
    /// </summary>
    public static Dictionary<string, ChannelMoments> Measure(LayerGraph graph, ImageDataset data, IReadOnlyList<int> indices,
        Normalization normalization, int? batchSize = null)
    {
        var dependencies = ChannelDependencies.Of(graph);
        var wanted = new Dictionary<string, List<(string Key, long[] Channels)>>();
        foreach (var group in dependencies.Groups)
            foreach (string tensor in group.Readers.Select(r => graph[r.Node].Inputs[r.Input]).Distinct())
                (wanted.TryGetValue(tensor, out var list) ? list : wanted[tensor] = [])
                    .Add((Key(tensor, group.Name), dependencies.Positions(tensor, group).Select(p => (long)p.Position).ToArray()));
        var sums = new Dictionary<string, Tensor>();
        long samples = 0;
        using (inference_mode())
        {
            foreach (var (batch, _) in new BatchLoader(data, normalization).Batches(indices, batchSize ?? Evaluation.Evaluator.BatchSize(graph)))
            {
                using var scope = NewDisposeScope();
                samples += batch.shape[0];
                graph.Forward(batch, observe: (name, value) =>
                {
                    if (!wanted.TryGetValue(name, out var groups)) return;
                    long channels = dependencies.MembersOf(name).Length, n = value.shape[0];
                    // The float64 copies of one tensor are freed before the next layer's, a few images at a time: kept
                    // to the batch's end, those of a 224 px network's layers added up to gigabytes.
                    long step = Math.Max(1, ChunkElements / Math.Max(1, value.numel() / n));
                    for (long start = 0; start < n; start += step)
                    {
                        using var inner = NewDisposeScope();
                        var all = value.narrow(0, start, Math.Min(step, n - start)).to_type(ScalarType.Float64);
                        foreach (var (key, selected) in groups)
                        {
                            // A flattened input keeps its H*W features per channel together.
                            var part = all.dim() == 4 ? all.index_select(1, tensor(selected))
                                : all.view(all.shape[0], channels, -1).index_select(1, tensor(selected)).flatten(1);
                            var sum = SecondMoments(part, selected.Length);
                            if (sums.TryGetValue(key, out var total)) total.PlusInPlace(sum);
                            else sums[key] = sum.DetachFromDisposeScope();
                        }
                    }
                });
            }
        }
        var sizes = wanted.Values.SelectMany(l => l).ToDictionary(k => k.Key, k => k.Channels.Length);
        return sums.ToDictionary(s => s.Key, s =>
        {
            using var t = s.Value;
            using var count = samples.ToScalar();
            using var moments = t.div(count);
            return new ChannelMoments(sizes[s.Key], (int)t.shape[0], moments.contiguous().data<double>().ToArray());
        });
    }

    // Elements of an observed tensor copied to float64 at once (128 MB).
    private const long ChunkElements = 16L << 20;

    /// <summary>
    /// Sum over the batch of z zᵀ, z = (x, 1): for a 4-D tensor averaged over positions (so that every image weighs
    /// the same), for a 2-D one per position of the flattened channels.
    /// </summary>
    private static Tensor SecondMoments(Tensor value, int channels)
    {
        long n = value.shape[0];
        if (value.dim() == 4)
        {
            long positions = value.shape[2] * value.shape[3];
            var z = Augmented(value.permute(0, 2, 3, 1).reshape(1, n * positions, channels));
            using var count = positions.ToScalar();
            return z.transpose(1, 2).matmul(z).div(count);
        }
        long perChannel = value.shape[1] / channels;
        var perPosition = Augmented(value.reshape(n, channels, perChannel).permute(2, 0, 1));
        return perPosition.transpose(1, 2).matmul(perPosition);
    }

    /// <summary>Appends the constant 1 to every row of a positions x rows x C tensor.</summary>
    private static Tensor Augmented(Tensor rows) =>
        cat([rows, ones(rows.shape[0], rows.shape[1], 1, dtype: rows.dtype)], 2);
}
