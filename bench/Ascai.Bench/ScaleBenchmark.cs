using System.Diagnostics;
using System.Globalization;
using Ascai.Cost;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Onnx;
using Ascai.Serialization;
using static TorchSharp.torch;

namespace Ascai.Bench;

/// <summary>
/// Real networks at real resolution (experiments/scale.sh makes them): for every NAME.onnx of a folder with its NumPy
/// data NAME-data, in a child process of its own (so each peak memory is its model's), the search's evaluator at its
/// defaults on the held-out images a default search scores (half of 1,000: the other half confirms): the preparation
/// (channel ranking, the linear fill's statistics, the images normalised, the original scored), then seeded random
/// channel-pruning genomes, every image scored (no early rejection: the cost of a candidate that is not rejected).
/// Per candidate: its time against the machine's bound (2 x its MACs x images / the best throughput measured in this
/// run, the original's included), the share of its time outside the forward pass, and the peak resident memory; and
/// what a search of 600 evaluations would take at that rate.
/// </summary>
internal static class ScaleBenchmark
{
    private const int Evaluations = 600;
    private const int Trials = 2 * CandidateEvaluator.AutoTrials;
    private static readonly Normalization ImageNet = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    public static void Run(string folder, int candidates, int images)
    {
        double peak = MachinePeak.Gflops();
        Console.WriteLine($"{images} held-out images scored per candidate, {candidates} random Ps genomes per model (the first {Trials} try both engines and are not timed), {get_num_threads()} threads; each model in a process of its own");
        Console.WriteLine("| model | GMACs / image | batch | engine | preparation (s) | s / candidate | mean MACs ratio | of the bound | outside the forward pass | peak RSS (GB) | RSS after preparation (GB) | 600 evaluations (h) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        // By network, then by resolution (NAME-SIZE.onnx).
        static (string, int) Key(string path)
        {
            string name = Path.GetFileNameWithoutExtension(path);
            int dash = name.LastIndexOf('-');
            return dash > 0 && int.TryParse(name[(dash + 1)..], out int size) ? (name[..dash], size) : (name, 0);
        }
        foreach (string path in Directory.EnumerateFiles(folder, "*.onnx").OrderBy(Key))
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") start.ArgumentList.Add(typeof(ScaleBenchmark).Assembly.Location);
            foreach (string a in new[] { "scale-child", path, "--candidates", candidates.ToString(CultureInfo.InvariantCulture), "--images", images.ToString(CultureInfo.InvariantCulture) })
                start.ArgumentList.Add(a);
            using var child = Process.Start(start)!;
            string line = child.StandardOutput.ReadToEnd().Trim().Split('\n')[^1];
            child.WaitForExit();
            if (child.ExitCode != 0) { Console.WriteLine($"| {Path.GetFileNameWithoutExtension(path)} | failed: {line} |"); continue; }
            var f = line.Split(' ');
            double Number(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
            // name macs batch engine prepare perCandidate ratio forwardShare peakMb prepMb ownGflops
            double bound = 2 * Number(1) * Number(6) * images / (Math.Max(peak, Number(10)) * 1e9);
            Console.WriteLine($"| {f[0]} | {Number(1) / 1e9:F2} | {f[2]} | {f[3]} | {Number(4):F0} | {Number(5):F2} | {Number(6):F2} | {bound / Number(5):P0} | {1 - Number(7):P0} "
                + $"| {Number(8) / 1024:F1} | {Number(9) / 1024:F1} | {(Number(4) + Evaluations * Number(5)) / 3600:F2} |");
        }
    }

    /// <summary>One model, in this process: prints "name macs batch engine prepare perCandidate ratio forwardShare peakMb prepMb ownGflops".</summary>
    public static void Child(string path, int candidates, int images)
    {
        if (candidates <= Trials) throw new ArgumentException($"--candidates must exceed the {Trials} of the engine trial");
        string name = Path.GetFileNameWithoutExtension(path);
        var clock = Stopwatch.StartNew();
        using var model = ModelFile.Load(path);
        var data = ModelData.Load(model, new DataOptions { Dataset = "npy", DataDir = Path.Combine(Path.GetDirectoryName(path)!, name + "-data") }, ImageNet);
        data = data with { ValidationIndices = data.ValidationIndices[..Math.Min(images, data.ValidationIndices.Length)] };
        var spec = new EvaluationSpec();
        var space = spec.Space(model.Graph);
        using var evaluator = spec.Evaluator(model, data, space);
        evaluator.BaseAccuracy();
        double prepare = clock.Elapsed.TotalSeconds, prepMb = ReplayBenchmark.RssMb();
        var random = new Random(1);
        double seconds = 0, ratio = 0;
        for (int i = 0; i < candidates; i++)
        {
            var genome = space.Genes.Select(g => g.Min + random.NextDouble() * (g.Max - g.Min)).ToArray();
            var timer = Stopwatch.StartNew();
            var result = evaluator.Evaluate(genome);
            // The engine trial is not timed: auto runs the first candidates in each engine, then keeps the faster.
            if (i >= Trials) seconds += timer.Elapsed.TotalSeconds;
            ratio += (double)result.Macs / evaluator.BaseMacs;
        }
        int timed = candidates - Trials;
        long macs = evaluator.BaseMacs;
        int batch = Evaluator.BatchSize(model.Graph);
        double own;
        using (var session = new OnnxRuntimeSession(OnnxExporter.Export(model.Graph), get_num_threads()))
        using (NewDisposeScope())
            own = 2.0 * macs * batch / (session.MedianMilliseconds(randn(model.Graph.InputShape.WithBatch(batch)), 5) / 1000) / 1e9;
        var t = evaluator.Timings;
        Console.WriteLine(string.Join(' ', new object[] { name, macs, batch, evaluator.ChosenEngine?.ToString() ?? "?", prepare, seconds / timed, ratio / candidates,
            t.Forward / t.Total, ReplayBenchmark.PeakRssMb(), prepMb, own }.Select(o => Convert.ToString(o, CultureInfo.InvariantCulture))));
    }
}
