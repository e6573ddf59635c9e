namespace Ascai.Graph;

/// <summary>
/// Batch sizes from what one image's activations take, so that memory does not grow with the resolution: a 28x28
/// network keeps its batches of 250, a ResNet-18 at 224 px (3.2 MB in its largest activation per image) runs
/// inference in batches of 20 and backward passes in batches of a few images. Throughput does not suffer: at that size
/// one image's convolutions already fill the cores. Results do not depend on the batch (eval mode), up to the
/// rounding of float sums.
/// </summary>
public static class ActivationBudget
{
    /// <summary>Bytes one batch's activations may take.</summary>
    public const long DefaultBytes = 256L << 20;

    /// <summary>Bytes one training step's activations and gradients may take (training wants larger batches than a budget of inference would give).</summary>
    public const long TrainingBytes = 1L << 30;

    /// <summary>
    /// The largest batch up to <paramref name="largest"/> whose forward pass stays within <paramref name="bytes"/>: a node's
    /// input and output are alive at once, and an engine's work buffers (im2col) take about as much again.
    /// </summary>
    public static int Inference(LayerGraph graph, int largest, long bytes = DefaultBytes) =>
        Fit(4 * sizeof(float) * graph.InferShapes().Values.Append(graph.InputShape).Max(s => s.Elements), largest, bytes);

    /// <summary>
    /// The largest batch up to <paramref name="largest"/> whose forward and backward pass stays within
    /// <paramref name="bytes"/>: autograd keeps every node's output until the backward pass, and each gets a gradient.
    /// </summary>
    public static int Backward(LayerGraph graph, int largest, long bytes = DefaultBytes) =>
        Fit(2 * sizeof(float) * graph.InferShapes().Values.Sum(s => s.Elements), largest, bytes);

    private static int Fit(long bytesPerImage, int largest, long bytes) =>
        (int)Math.Clamp(bytes / Math.Max(1, bytesPerImage), 1, Math.Max(1, largest));
}
