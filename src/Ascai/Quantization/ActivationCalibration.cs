using Ascai.Graph;
using Ascai.Onnx;
using static TorchSharp.torch;

namespace Ascai.Quantization;

/// <summary>
/// Runs a float model on calibration batches and records the range of every activation (the input and each node's
/// output, by name): min/max in one pass, percentiles in a second pass over a histogram of each tensor's values
/// between its min and max (<see cref="Bins"/> bins, so memory does not grow with the images).
/// </summary>
public static class ActivationCalibration
{
    /// <summary>Histogram bins per tensor for percentile calibration.</summary>
    public const int Bins = 4096;

    /// <summary>
    /// The range of every activation of <paramref name="graph"/> over the batches <paramref name="batches"/> yields
    /// (called once per pass; the caller owns the batches: free each once the next is asked for).
    /// </summary>
    public static Dictionary<string, TensorRange> Calibrate(LayerGraph graph, Func<IEnumerable<Tensor>> batches, CalibrationMethod method, double percentile)
    {
        using var _ = inference_mode();
        var extremes = new Dictionary<string, (float Min, float Max)>();
        Pass(graph, batches, (name, value) =>
        {
            float min = value.min().item<float>(), max = value.max().item<float>();
            extremes[name] = extremes.TryGetValue(name, out var seen) ? (Math.Min(seen.Min, min), Math.Max(seen.Max, max)) : (min, max);
        });
        if (extremes.Count == 0) throw new AscaiException("calibration needs at least one image");
        foreach (var (name, (min, max)) in extremes)
            if (!float.IsFinite(min) || !float.IsFinite(max)) throw new AscaiException($"calibration: the activation '{name}' holds NaN or infinite values");
        if (method == CalibrationMethod.MinMax) return extremes.ToDictionary(p => p.Key, p => new TensorRange(p.Value.Min, p.Value.Max));

        var histograms = extremes.ToDictionary(p => p.Key, _ => new double[Bins]);
        Pass(graph, batches, (name, value) =>
        {
            var (min, max) = extremes[name];
            if (max <= min) return;
            // histc takes whole-number bounds in TorchSharp: bin by hand.
            using var bins = ((value.flatten() - min) * (Bins / (double)(max - min))).floor_().clamp_(0, Bins - 1).to_type(ScalarType.Int64);
            using var counts = bins.bincount(null, Bins).to_type(ScalarType.Float64);
            var h = histograms[name];
            var c = counts.data<double>().ToArray();
            for (int i = 0; i < Bins; i++) h[i] += c[i];
        });
        double tail = (100 - percentile) / 100;
        return extremes.ToDictionary(p => p.Key, p => p.Value.Max <= p.Value.Min
            ? new TensorRange(p.Value.Min, p.Value.Max)
            : Quantiles(histograms[p.Key], p.Value.Min, p.Value.Max, tail));
    }

    private static void Pass(LayerGraph graph, Func<IEnumerable<Tensor>> batches, Action<string, Tensor> observe)
    {
        foreach (var batch in batches())
        {
            using var scope = NewDisposeScope();
            observe(graph.Input.Name, batch);
            graph.Forward(batch, observe: observe).Dispose();
        }
    }

    // The bin edges below which a share `tail` of the values lie, and above which the same share lies.
    private static TensorRange Quantiles(double[] histogram, float min, float max, double tail)
    {
        double total = histogram.Sum(), width = (max - min) / (double)histogram.Length, sum = 0;
        int low = 0, high = histogram.Length - 1;
        while (low < high && (sum += histogram[low]) <= tail * total) low++;
        sum = 0;
        while (high > low && (sum += histogram[high]) <= tail * total) high--;
        return new TensorRange((float)(min + low * width), (float)(min + (high + 1) * width));
    }
}
