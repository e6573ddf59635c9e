using Ascai.Cost;
using Ascai.Evaluation;
using Ascai.Onnx;
using Ascai.Serialization;
using static TorchSharp.torch;

namespace Ascai.Bench;

/// <summary>
/// This machine's fp32 peak as the evaluation engines reach it, measured in the benchmark's own run: the best of a
/// large matrix product in libtorch and the committed uncompressed models' forward pass at a large batch in ONNX
/// Runtime (whose convolutions beat libtorch's matrix product by about 2x here). A bound below what the machine
/// does would make "share of the bound" figures above 100% mean nothing.
/// </summary>
internal static class MachinePeak
{
    public static readonly string[] Models = ["models/vgg-small-fashion-mnist.ascai", "models/resnet20-fashion-mnist.ascai"];

    /// <summary>The peak in GFLOP/s (2 FLOPs per MAC), printing each measurement.</summary>
    public static double Gflops()
    {
        double matmul = MatrixProduct();
        // Batches of 64 fit the caches better than 256 on this machine: the best of both is the peak.
        double forward = Models.Where(File.Exists).SelectMany(path => new[] { 64, 256 }.Select(batch => Forward(path, batch))).DefaultIfEmpty(0).Max();
        double peak = Math.Max(matmul, forward);
        Console.WriteLine($"peak: {peak:F1} GFLOP/s (best of the matrix product, {matmul:F1}, and the uncompressed models' ONNX Runtime forward at batch 64 or 256, {forward:F1}; {get_num_threads()} threads)");
        return peak;
    }

    private static double MatrixProduct() => new[] { 1024, 2048, 3072, 4096 }.Max(n =>
    {
        using var scope = NewDisposeScope();
        var a = randn(n, n);
        var b = randn(n, n);
        double ms = Latency.Median(() => a.matmul(b).Dispose(), repeats: 7, warmup: 2);
        double gflops = 2.0 * n * n * n / (ms / 1000) / 1e9;
        Console.WriteLine($"matrix product {n} x {n}: {gflops:F1} GFLOP/s");
        return gflops;
    });

    private static double Forward(string path, int batch)
    {
        using var model = ModelFile.Load(path);
        long macs = CostModel.Profile(model.Graph).TotalMacs;
        using var session = new OnnxRuntimeSession(OnnxExporter.Export(model.Graph), get_num_threads());
        using var scope = NewDisposeScope();
        double ms = session.MedianMilliseconds(randn(model.Graph.InputShape.WithBatch(batch)), 9);
        double gflops = 2.0 * macs * batch / (ms / 1000) / 1e9;
        Console.WriteLine($"{Path.GetFileName(path)} forward in ONNX Runtime, batch {batch}: {ms:F1} ms, {gflops:F1} GFLOP/s");
        return gflops;
    }
}
