using Ascai.Data;
using Ascai.Graph;
using static TorchSharp.torch;

namespace Ascai.Compression;

/// <summary>
/// Mean activation of every channel a pruning mask can remove, measured where its consumers read it: per channel
/// for a conv's input (over images and positions), per feature for a linear layer's input (after a flatten,
/// channel c owns a block of features). Mean compensation folds these into the consumers (<see cref="MeanCompensation"/>).
/// </summary>
public static class ChannelMeans
{
    /// <summary>
    /// Means by tensor name (the input of each consumer of a mask group), over <paramref name="indices"/>, in eval
    /// mode. Measured on the graph before pruning (masks all ones), so one result serves every candidate.
    /// </summary>
    public static Dictionary<string, float[]> Measure(LayerGraph graph, ImageDataset data, IReadOnlyList<int> indices,
        Normalization normalization, int batchSize = 250)
    {
        var tensors = ChannelGroup.Of(graph).SelectMany(g => g.Consumers).Select(c => graph[c].Inputs[0]).ToHashSet();
        var sums = new Dictionary<string, Tensor>();
        long images = 0;
        using (inference_mode())
        {
            foreach (var (batch, labels) in new BatchLoader(data, normalization).Batches(indices, batchSize))
            {
                using var scope = NewDisposeScope();
                images += batch.shape[0];
                graph.Forward(batch, observe: (name, value) =>
                {
                    if (!tensors.Contains(name)) return;
                    // Per channel over positions (4-D), per feature (2-D); summed over the batch.
                    var perImage = value.dim() == 4 ? value.mean([2L, 3L]) : value;
                    var sum = perImage.sum(dim: 0L).to_type(ScalarType.Float64);
                    if (sums.TryGetValue(name, out var total)) total.add_(sum);
                    else sums[name] = sum.DetachFromDisposeScope();
                });
            }
        }
        return sums.ToDictionary(s => s.Key, s => { using var t = s.Value; using var mean = (t / images).to_type(ScalarType.Float32); return mean.data<float>().ToArray(); });
    }
}
