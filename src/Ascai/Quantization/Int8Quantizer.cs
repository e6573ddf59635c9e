using Ascai.Data;
using Ascai.Graph;
using Ascai.Graph.Nodes;
using Ascai.Onnx;
using static TorchSharp.torch;

namespace Ascai.Quantization;

/// <summary>
/// Post-training static quantisation: folds batch-norms into their layers, calibrates every activation's range on
/// training images, and writes the model as ONNX QDQ with the chosen conv and linear layers in int8
/// (<see cref="QdqWriter"/>). Accuracy is then what ONNX Runtime computes on the file, the runtime it is deployed on.
/// </summary>
public static class Int8Quantizer
{
    /// <summary>Calibration batch size.</summary>
    private const int BatchSize = 128;

    /// <summary>
    /// The int8 model of <paramref name="model"/>, calibrated on the first <see cref="Int8Options.CalibrationImages"/>
    /// of <paramref name="calibration"/> (indices into <paramref name="images"/>, normalised as the model's inputs).
    /// </summary>
    public static Int8Model Quantize(Model model, ImageDataset images, IReadOnlyList<int> calibration, Int8Options? options = null)
    {
        options ??= new Int8Options();
        options.Validate();
        if (calibration.Count == 0) throw new AscaiException("quantisation needs calibration images, and the training split has none");
        var int8 = Int8Layers(model.Graph, options);
        var loader = new BatchLoader(images, model.Info.Normalization);
        var indices = calibration.Take(options.CalibrationImages).ToArray();
        return Quantize(model.Graph, model.Info, int8, () => Images(loader, indices), options);
    }

    /// <summary>
    /// The int8 model of <paramref name="graph"/> with <paramref name="int8Layers"/> (conv and linear node names) in int8,
    /// calibrated on the normalised batches <paramref name="calibration"/> yields (called once per calibration pass).
    /// </summary>
    public static Int8Model Quantize(LayerGraph graph, ModelInfo info, IReadOnlySet<string> int8Layers, Func<IEnumerable<Tensor>> calibration, Int8Options options)
    {
        using var folded = BatchNormFolding.Fold(graph);
        var ranges = ActivationCalibration.Calibrate(folded, calibration, options.Method, options.Percentile);
        return Int8Model.Write(folded, info, int8Layers, ranges);
    }

    /// <summary>
    /// The conv and linear nodes of a compressed <paramref name="graph"/> that stand for <paramref name="layers"/> of the
    /// original model: the layer itself, or the factors it was decomposed into (named after it, as <c>conv2.svd.0</c>).
    /// </summary>
    public static HashSet<string> NodesOf(LayerGraph graph, IReadOnlySet<string> layers) =>
        layers.Count == 0 ? [] : graph.Nodes
            .Where(n => n is Conv2dNode or LinearNode && (layers.Contains(n.Name) || layers.Any(l => n.Name.StartsWith(l + ".", StringComparison.Ordinal))))
            .Select(n => n.Name).ToHashSet();

    // Each batch is freed once calibration has moved on to the next: memory stays at one batch, whatever the image count.
    private static IEnumerable<Tensor> Images(BatchLoader loader, int[] indices)
    {
        foreach (var (images, labels) in loader.Batches(indices, BatchSize))
            using (images)
            using (labels)
                yield return images;
    }

    /// <summary>Every conv and linear layer not kept in float32; a float32 pattern that names no layer is an error (a typo would silently quantise it).</summary>
    public static HashSet<string> Int8Layers(LayerGraph graph, Int8Options options)
    {
        var layers = graph.Nodes.Where(n => n is Conv2dNode or LinearNode).Select(n => n.Name).ToList();
        foreach (string pattern in options.Float32Layers)
            if (!layers.Any(l => LayerPattern.Matches(pattern, l)))
                throw new SettingException(SettingException.Of<Int8Options>(nameof(Int8Options.Float32Layers)),
                    $"'{pattern}' matches no conv or linear layer (they are: {string.Join(", ", layers.Take(12))}{(layers.Count > 12 ? ", ..." : "")})");
        return layers.Where(l => !LayerPattern.MatchesAny(options.Float32Layers, l)).ToHashSet();
    }
}
