using System.Diagnostics;
using Ascai.Cost;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Models;
using Ascai.Runtime;
using Ascai.Serialization;
using static TorchSharp.torch;

namespace Ascai.Bench;

/// <summary>
/// Inference throughput of the small VGG and ResNet-20 on Fashion-MNIST validation images, with glibc's malloc
/// tuned (Ascai's default) and untuned. Each mode runs in a child process of this one, because the tuning is
/// process-wide and cannot be undone; the parent prints both and their ratio.
/// </summary>
internal static class ForwardBenchmark
{
    private static readonly string[] Architectures = ["vgg-small", "resnet20"];

    public static void RunBothMallocModes(int images, int repeats)
    {
        Console.WriteLine($"forward pass, {images} Fashion-MNIST validation images, batch {Evaluator.DefaultBatchSize}, {Environment.ProcessorCount} threads, median of {repeats}");
        var results = new Dictionary<(string Model, bool Fix), double>();
        foreach (bool fix in new[] { true, false })
            foreach (string line in RunChild(fix, images, repeats))
            {
                var parts = line.Split(' ');
                results[(parts[0], fix)] = double.Parse(parts[1]);
            }
        Console.WriteLine($"{"model",-10} {"MMACs",8} {"fix on (s)",11} {"img/s",8} {"GFLOP/s",8} {"fix off (s)",12} {"img/s",8} {"speed-up",9}");
        foreach (string model in Architectures)
        {
            double macs = Macs(model), on = results[(model, true)], off = results[(model, false)];
            Console.WriteLine($"{model,-10} {macs / 1e6,8:F1} {on,11:F3} {images / on,8:F0} {2 * macs * images / on / 1e9,8:F1} {off,12:F3} {images / off,8:F0} {off / on,8:F2}x");
        }
    }

    /// <summary>Prints "model seconds" per architecture for this process's malloc mode.</summary>
    public static void Measure(int images, int repeats)
    {
        set_num_threads(Environment.ProcessorCount);
        var data = DatasetCatalog.Load("fashion-mnist");
        var indices = data.ValidationIndices.Take(images).ToArray();
        foreach (string name in Architectures)
        {
            using var model = Load(name, data.InputShape);
            Evaluator.Evaluate(model.Graph, data.Validation, indices, model.Info.Normalization); // warm-up
            var times = Enumerable.Range(0, repeats).Select(_ =>
            {
                var clock = Stopwatch.StartNew();
                Evaluator.Evaluate(model.Graph, data.Validation, indices, model.Info.Normalization);
                return clock.Elapsed.TotalSeconds;
            }).Order().ToList();
            Console.WriteLine($"{name} {times[times.Count / 2]:R} malloc-fix={NativeRuntime.MallocFixApplied}");
        }
    }

    private static IEnumerable<string> RunChild(bool mallocFix, int images, int repeats)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") start.ArgumentList.Add(typeof(ForwardBenchmark).Assembly.Location);
        foreach (string a in new[] { "forward-child", "--images", images.ToString(), "--repeats", repeats.ToString() }) start.ArgumentList.Add(a);
        start.Environment[NativeRuntime.MallocFixVariable] = mallocFix ? "1" : "0";
        using var child = Process.Start(start)!;
        var lines = child.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        child.WaitForExit();
        if (child.ExitCode != 0) throw new InvalidOperationException($"benchmark child failed with exit code {child.ExitCode}");
        return lines;
    }

    // The committed trained model when present (same cost as an untrained one; real weights are more honest).
    private static Model Load(string name, Shape input)
    {
        string path = Path.Combine(RepositoryRoot(), "models", $"{name}-fashion-mnist.ascai");
        return File.Exists(path) ? ModelFile.Load(path) : new Model(ModelZoo.Create(name, input, 10), new ModelInfo { Normalization = Normalization.FashionMnist });
    }

    private static double Macs(string name)
    {
        using var graph = ModelZoo.Create(name, new Shape(1, 28, 28), 10);
        return CostModel.Profile(graph).TotalMacs;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Ascai.slnx"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
