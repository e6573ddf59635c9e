using Ascai.Data;
using Ascai.Graph;
using static TorchSharp.torch;

namespace Ascai.Evaluation;

/// <summary>
/// Top-1 accuracy (percent) and mean cross-entropy of a model on some images. <see cref="Finite"/> is false when any
/// logit was NaN or infinite: then the model computed no numbers, and its accuracy means nothing.
/// </summary>
public sealed record EvaluationResult(int Correct, int Total, double MeanLoss, bool Finite = true)
{
    /// <summary>Whether each image was classified right, in order (when asked for).</summary>
    public bool[]? PerImage { get; init; }

    /// <summary>Accuracy in percent.</summary>
    public double Accuracy => 100.0 * Correct / Total;

    /// <summary>This result, or an <see cref="AscaiException"/> saying that <paramref name="what"/> computed NaN or infinity.</summary>
    public EvaluationResult EnsureFinite(string what) => Finite ? this
        : throw new AscaiException($"{what} gives NaN or infinite outputs on these images (mean loss {MeanLoss}): its weights or its input normalisation are broken");
}

/// <summary>Runs a model in inference mode over image batches and scores its predictions.</summary>
public static class Evaluator
{
    /// <summary>Largest inference batch: a few hundred small images keep both cores busy without large buffers.</summary>
    public const int DefaultBatchSize = 250;

    /// <summary>The inference batch for <paramref name="graph"/>: <see cref="DefaultBatchSize"/>, fewer where its activations are large.</summary>
    public static int BatchSize(LayerGraph graph) => ActivationBudget.Inference(graph, DefaultBatchSize);

    /// <summary>Test accuracy of <paramref name="graph"/>, or null when the data has no test images (a folder without test/).</summary>
    public static double? TestAccuracy(LayerGraph graph, DatasetSplits data, Normalization normalization, string what, CancellationToken cancel = default) =>
        data.TestIndices.Length == 0 ? null : Evaluate(graph, data.Test, data.TestIndices, normalization, cancel).EnsureFinite(what).Accuracy;

    /// <summary>Accuracy of <paramref name="graph"/> on the images <paramref name="indices"/> of <paramref name="data"/>.</summary>
    public static EvaluationResult Evaluate(LayerGraph graph, ImageDataset data, IReadOnlyList<int> indices,
        Normalization normalization, CancellationToken cancel = default) =>
        Evaluate(x => graph.Forward(x), data, indices, normalization, BatchSize(graph), cancel);

    /// <summary>Accuracy of any forward function (e.g. an ONNX Runtime session) on the images <paramref name="indices"/>.</summary>
    public static EvaluationResult Evaluate(Func<Tensor, Tensor> forward, ImageDataset data, IReadOnlyList<int> indices,
        Normalization normalization, int batchSize = DefaultBatchSize, CancellationToken cancel = default) =>
        Evaluate(forward, new BatchLoader(data, normalization).Batches(indices, batchSize), cancel);

    /// <summary>
    /// Accuracy of a forward function on labelled batches. Batches made while enumerating are disposed after use;
    /// batches made beforehand (kept by a caller that evaluates many models on the same images) are left alone.
    /// </summary>
    public static EvaluationResult Evaluate(Func<Tensor, Tensor> forward, IEnumerable<(Tensor Images, Tensor Labels)> batches,
        CancellationToken cancel = default, bool perImage = false)
    {
        int correct = 0, total = 0;
        double loss = 0;
        bool finite = true;
        var right = perImage ? new List<bool>() : null;
        using var _ = inference_mode();
        using var batch = batches.GetEnumerator();
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            if (!batch.MoveNext()) break;
            var (images, labels) = batch.Current;
            var logits = forward(images);
            finite &= logits.isfinite().all().item<bool>();
            var hits = logits.argmax(1).eq(labels);
            correct += (int)hits.sum().item<long>();
            right?.AddRange(hits.data<bool>());
            loss += nn.functional.cross_entropy(logits, labels, reduction: nn.Reduction.Sum).item<float>();
            total += (int)labels.shape[0];
        }
        // An accuracy of no images is not 0% but nothing: the caller asked for an impossible measurement.
        if (total == 0) throw new AscaiException("no images to evaluate on");
        return new EvaluationResult(correct, total, loss / total, finite && double.IsFinite(loss)) { PerImage = right?.ToArray() };
    }
}
