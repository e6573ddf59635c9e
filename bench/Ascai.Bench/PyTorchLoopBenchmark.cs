using System.Diagnostics;
using System.Text.Json;
using Ascai.Compression;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Onnx;
using static TorchSharp.torch;

namespace Ascai.Bench;

/// <summary>
/// Ascai's candidate evaluation against the plain PyTorch loop a search would otherwise run, on the same candidates in
/// the same run: a seeded sample of the Ps genomes of the committed small-VGG and ResNet-20 searches, each evaluated
/// by Ascai's engine in the paper's setting (exact counts, zero fill, L1 ranking) and as users run it (its defaults:
/// kept channels in multiples of 8, linear fill, Taylor ranking), each choosing its runtime as a search does; by the
/// same masked full-size loop on libtorch (TorchSharp); and by the PyTorch loop (experiments/pytorch/masked_loop.py:
/// a fresh full-size model per candidate, the exact number of lowest-L1 channels masked to zero, eager PyTorch,
/// Debian's python3-torch), as written and with channels-last tensors. Prints per candidate time, the speed-up over
/// the fastest PyTorch loop, the share of the FLOP bound of the work each does (2 x MACs x images /
/// <see cref="MachinePeak"/>; the full model's MACs for a masked loop), and how many candidates each scores unlike
/// Ascai's paper setting (the same masks should give the same accuracy).
/// </summary>
internal static class PyTorchLoopBenchmark
{
    public static void Run(int candidates, string only)
    {
        double peak = MachinePeak.Gflops();
        // The Ps searches of the replay benchmark: the loop masks channels, it does not decompose.
        foreach (var (label, run) in ReplayBenchmark.Sources.Where(s => s.Label.EndsWith(" ps", StringComparison.Ordinal) && (only == "" || s.Label.StartsWith(only, StringComparison.Ordinal))))
        {
            using var search = new RecordedSearch(run);
            var (model, data, space) = (search.Model, search.Data, search.Space);
            if (data.Validation != data.Train) throw new InvalidOperationException("the PyTorch loop reads its validation images from the training images");
            var picked = ReplayBenchmark.Sample(search.Journal, candidates, seed: 1).Select(r => r.Genome).ToList();
            var paper = new EvaluationSpec { Methods = space.Methods, ChannelMultiple = 1, Fill = PrunedChannelFill.Zero, Importance = ImportanceCriterion.L1 };
            var defaults = new EvaluationSpec { Methods = space.Methods };
            // Per evaluator: seconds in all, each candidate's accuracy, and the FLOP bound of the work it does (a masked
            // full-size model does the original's MACs for every candidate).
            var rows = new List<(string Name, double Seconds, double[] Accuracies, double Bound)>();
            double fullBound = 2.0 * space.TotalMacs * data.ValidationIndices.Length * picked.Count / (peak * 1e9);
            foreach (var (name, spec, compact, engine) in new[]
            {
                ("Ascai, paper's setting", paper, true, EvaluationEngine.Auto),
                ("Ascai, defaults", defaults, true, EvaluationEngine.Auto),
                ("libtorch masked loop, paper's setting (TorchSharp)", paper, false, EvaluationEngine.TorchSharp),
            })
            {
                using var evaluator = new CandidateEvaluator(model, data, space, spec.Context(cacheFactors: compact), engine, compact);
                evaluator.Evaluate(picked[0]); // warm-up: kernels, allocator, the engine trials of auto
                var clock = Stopwatch.StartNew();
                var results = picked.Select(g => evaluator.Evaluate(g)).ToArray();
                double seconds = clock.Elapsed.TotalSeconds;
                double bound = compact ? results.Sum(r => 2.0 * r.Macs * evaluator.ValidationImages) / (peak * 1e9) : fullBound;
                rows.Add((name, seconds, results.Select(r => r.ValAccuracy).ToArray(), bound));
            }
            foreach (bool channelsLast in new[] { false, true })
            {
                var (seconds, accuracies) = PyTorchLoop(model, data, space, picked, channelsLast);
                rows.Add(($"PyTorch loop, paper's setting ({(channelsLast ? "channels-last" : "as written")})", seconds, accuracies, fullBound));
            }

            Console.WriteLine();
            Console.WriteLine($"## {label}: {picked.Count} genomes of {run} ({data.ValidationIndices.Length} validation images, {get_num_threads()} threads)");
            Console.WriteLine("| evaluator | per candidate (ms) | speed-up over the fastest PyTorch loop | of the FLOP bound of its work | candidates scored unlike Ascai's paper setting |");
            Console.WriteLine("|---|---|---|---|---|");
            double loop = rows.Where(r => r.Name.StartsWith("PyTorch", StringComparison.Ordinal)).Min(r => r.Seconds);
            foreach (var (name, seconds, accuracies, bound) in rows)
            {
                // The same masks give the same accuracy: the defaults make other models, so they are not compared.
                string differ = name == "Ascai, defaults" ? "-" : $"{accuracies.Zip(rows[0].Accuracies).Count(p => Math.Abs(p.First - p.Second) > 0.05)} of {picked.Count}";
                Console.WriteLine($"| {name} | {seconds / picked.Count * 1000:F1} | {loop / seconds:F2}x | {bound / seconds:P0} | {differ} |");
            }
        }
    }

    // The PyTorch loop on the exact channel counts the genomes decode to: seconds in all, and each candidate's accuracy.
    private static (double Seconds, double[] Accuracies) PyTorchLoop(Ascai.Graph.Model model, DatasetSplits data, SearchSpace space, List<double[]> genomes, bool channelsLast)
    {
        string folder = Directory.CreateTempSubdirectory("ascai-pytorch-loop-").FullName;
        try
        {
            string onnx = Path.Combine(folder, "model.onnx"), request = Path.Combine(folder, "request.json");
            File.WriteAllBytes(onnx, OnnxExporter.Export(model.Graph));
            var pruned = genomes.Select(g => space.Decoded(g, 1).Select((count, i) => (space.Genes[i].Layer, count))
                .Where(p => p.count > 0).ToDictionary(p => p.Layer, p => p.count)).ToList();
            File.WriteAllText(request, JsonSerializer.Serialize(new
            {
                onnx, dataset = DatasetCatalog.DefaultFashionMnistDir, indices = data.ValidationIndices,
                mean = model.Info.Normalization.Mean, std = model.Info.Normalization.Std, batch = Evaluator.DefaultBatchSize,
                threads = get_num_threads(), channels_last = channelsLast, candidates = pruned,
            }));
            var start = new ProcessStartInfo("/usr/bin/python3", [Path.GetFullPath("experiments/pytorch/masked_loop.py"), request]) { RedirectStandardOutput = true };
            using var python = Process.Start(start)!;
            var lines = python.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            python.WaitForExit();
            if (python.ExitCode != 0 || lines.Length != genomes.Count) throw new InvalidOperationException($"the PyTorch loop failed (exit {python.ExitCode})");
            var results = lines.Select(l => JsonDocument.Parse(l).RootElement).ToArray();
            return (results.Sum(r => r.GetProperty("seconds").GetDouble()), results.Select(r => r.GetProperty("accuracy").GetDouble()).ToArray());
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
