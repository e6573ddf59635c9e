using System.Diagnostics;
using Ascai.Compression;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Serialization;

namespace Ascai.Bench;

/// <summary>
/// The memory check: many evaluations of distinct seeded random genomes through the search's evaluator
/// (compress, compact, forward), with the resident set size sampled as it goes. A native leak shows as growth
/// after the first few hundred evaluations (allocator and caches warm up before that).
/// </summary>
internal static class MemoryBenchmark
{
    public static void Run(string modelPath, string methods, int evaluations, int images, EvaluationEngine engine)
    {
        using var model = ModelFile.Load(modelPath);
        var full = DatasetCatalog.Load("fashion-mnist", null, DatasetSplits.DefaultValidationSize, model.Info.Training.FirstOrDefault()?.Seed ?? 0);
        var data = full with { ValidationIndices = full.ValidationIndices[..images] };
        var space = SearchSpace.Build(model.Graph, methods);
        using var evaluator = new CandidateEvaluator(model, data, space, new CompressionContext { Fill = PrunedChannelFill.Mean }, engine);
        var random = new Random(1);
        var clock = Stopwatch.StartNew();
        double? afterWarmUp = null;
        int warmUp = Math.Min(500, evaluations / 2);
        Console.WriteLine($"{Path.GetFileName(modelPath)} {methods} ({engine}): {evaluations} evaluations of random genomes on {images} validation images; RSS in MB");
        Console.WriteLine("| evaluations | RSS (MB) | elapsed (s) |");
        Console.WriteLine("|---|---|---|");
        for (int i = 1; i <= evaluations; i++)
        {
            var genome = space.Genes.Select(g => g.IsDiscrete ? g.Allowed![random.Next(g.Allowed.Length)] : g.Min + random.NextDouble() * (g.Max - g.Min)).ToArray();
            evaluator.Evaluate(genome);
            if (i == warmUp) afterWarmUp = ReplayBenchmark.RssMb();
            if (i % Math.Max(1, evaluations / 20) == 0 || i == warmUp)
                Console.WriteLine($"| {i} | {ReplayBenchmark.RssMb():F1} | {clock.Elapsed.TotalSeconds:F0} |");
        }
        double end = ReplayBenchmark.RssMb();
        Console.WriteLine($"RSS after {warmUp} evaluations {afterWarmUp:F1} MB, after {evaluations} {end:F1} MB: growth {(end - afterWarmUp) / afterWarmUp:P2}; peak {ReplayBenchmark.PeakRssMb():F1} MB");
    }
}
