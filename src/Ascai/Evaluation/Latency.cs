using System.Diagnostics;
using Ascai.Graph;
using static TorchSharp.torch;

namespace Ascai.Evaluation;

/// <summary>Median milliseconds of one graph's forward pass at batch 1 and batch N, with TorchSharp and with ONNX Runtime.</summary>
public sealed record LatencyProfile(double TorchOne, double TorchMany, double OrtOne, double OrtMany);

/// <summary>Inference latency of a graph on this machine's CPU.</summary>
public static class Latency
{
    private const int WarmUpPasses = 50;
    private static int _warmed;

    /// <summary>
    /// Latency at batch 1 and at <paramref name="batch"/> with TorchSharp, then with ONNX Runtime (the graph exported
    /// in memory, as many threads as TorchSharp), each the median of its repeats.
    /// </summary>
    public static LatencyProfile Profile(LayerGraph graph, int batch, int repeatsOne, int repeatsMany)
    {
        // The first passes of a process at each batch size run far slower than later ones (measured: 48 ms against
        // 0.19 ms at batch 1 for a 1 M-MAC model, whichever model came first): warm the process once, untimed, so that
        // the first model measured is not the slow one in every comparison.
        if (Interlocked.Exchange(ref _warmed, 1) == 0)
        {
            MedianMilliseconds(graph, 1, repeats: 1, warmup: WarmUpPasses);
            MedianMilliseconds(graph, batch, repeats: 1, warmup: WarmUpPasses / 5);
        }
        double torchOne = MedianMilliseconds(graph, 1, repeatsOne), torchMany = MedianMilliseconds(graph, batch, repeatsMany);
        using var session = new Onnx.OnnxRuntimeSession(Onnx.OnnxExporter.Export(graph), get_num_threads());
        using var scope = NewDisposeScope();
        return new LatencyProfile(torchOne, torchMany,
            session.MedianMilliseconds(randn(graph.InputShape.WithBatch(1)), repeatsOne),
            session.MedianMilliseconds(randn(graph.InputShape.WithBatch(batch)), repeatsMany));
    }

    /// <summary>
    /// Median wall time in milliseconds of one forward pass of a random batch of <paramref name="batch"/> inputs, over
    /// <paramref name="repeats"/> timed runs after <paramref name="warmup"/> untimed ones (the first runs pick kernels
    /// and allocate). Dense compute does not depend on the weights' values, only on the layers' shapes.
    /// </summary>
    public static double MedianMilliseconds(LayerGraph graph, int batch, int repeats = 15, int warmup = 3)
    {
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        using var quiet = Runtime.NativeStderr.Silence(); // libtorch's NNPACK warning, once per batch-1 conv
        var input = randn(graph.InputShape.WithBatch(batch));
        return Median(() => graph.Forward(input).Dispose(), repeats, warmup);
    }

    /// <summary>Median wall time in milliseconds of <paramref name="run"/> over <paramref name="repeats"/> timed calls after <paramref name="warmup"/> untimed ones.</summary>
    public static double Median(Action run, int repeats = 15, int warmup = 3)
    {
        var times = new double[repeats];
        for (int i = -warmup; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            run();
            if (i >= 0) times[i] = clock.Elapsed.TotalMilliseconds;
        }
        return Median(times);
    }

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two of an even count; NaN when empty).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return (sorted[(sorted.Length - 1) / 2] + sorted[sorted.Length / 2]) / 2;
    }
}
