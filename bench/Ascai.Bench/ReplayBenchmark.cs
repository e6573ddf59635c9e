using System.Diagnostics;
using Ascai.Compression;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Search;
using Ascai.Serialization;
using static TorchSharp.torch;

namespace Ascai.Bench;

/// <summary>
/// The candidate-time benchmark: replays a fixed, seeded sample of the genomes that real searches evaluated (their committed
/// journals, early and late generations alike) through the search's candidate evaluator and through a
/// straightforward one in the same process (full-size masked model, decompositions recomputed per candidate), and
/// prints per candidate and in total: wall time, MACs, achieved GFLOP/s and the share of the FLOP bound
/// 2 * MACs * images / peak (<see cref="MachinePeak"/>, measured in the same run), the time split, cache hit rates and
/// peak RSS. Every variant must report the same accuracy for every candidate; mismatches are counted.
/// </summary>
internal static class ReplayBenchmark
{
    /// <summary>The replayed searches: (label, committed run folder).</summary>
    internal static readonly (string Label, string Run)[] Sources =
    [
        ("vgg-small ps", "docs/results/search/fill-mean/ascai-seed0"),
        ("vgg-small d", "docs/results/search/d-fixed/ascai-seed0"),
        ("vgg-small d+ps", "docs/results/search/dps-fixed/ascai-seed0"),
        ("resnet20 ps", "docs/results/search/fill-mean-resnet20/ascai-seed0"),
        ("resnet20 d", "docs/results/search/d-fixed-resnet20/ascai-seed0"),
        ("resnet20 d+ps", "docs/results/search/dps-fixed-resnet20/ascai-seed0"),
    ];

    private sealed record Variant(string Name, CandidateEvaluator Evaluator);

    /// <param name="multiple">Replays the genomes with Ps keeping this multiple of channels instead of the recorded search's (the
    /// candidates then differ from the journal's, so only the variants are compared with each other).</param>
    /// <param name="fills">Replays each search once per fill of pruned channels instead of the recorded one (same caveat),
    /// so that the fills' costs per candidate are measured in the same process.</param>
    public static void Run(int candidates, string only, bool perCandidate, int? multiple = null, IReadOnlyList<PrunedChannelFill>? fills = null)
    {
        double peak = MachinePeak.Gflops();
        Console.WriteLine($"candidates per search: {candidates}");
        var totals = new Dictionary<(string Variant, string FillLabel), (double Seconds, double Bound)>();
        foreach (var (source, run) in Sources.Where(s => only == "" || s.Label.StartsWith(only, StringComparison.Ordinal)))
        foreach (PrunedChannelFill? fill in fills is null ? [null] : fills.Cast<PrunedChannelFill?>())
        {
            using var search = new RecordedSearch(run);
            var (journal, model, data, space) = (search.Journal, search.Model, search.Data, search.Space);
            var picked = Sample(journal, candidates, seed: 1);
            bool asRecorded = multiple is null && fill is null;
            string fillLabel = fill is null ? "" : $", {fill.ToString()!.ToLowerInvariant()} fill", label = source + fillLabel;
            CompressionContext Context(bool fast) => search.Context(fast) with { ChannelMultiple = multiple ?? search.Config.Evaluation.ChannelMultiple, Fill = fill ?? search.Config.Evaluation.Fill };
            var variants = new[]
            {
                new Variant("engine (torchsharp)", new CandidateEvaluator(model, data, space, Context(true))),
                new Variant("engine (onnxruntime)", new CandidateEvaluator(model, data, space, Context(true), EvaluationEngine.OnnxRuntime)),
                new Variant("straightforward", new CandidateEvaluator(model, data, space, Context(false), compact: false)),
            };
            int images = variants[0].Evaluator.ValidationImages;
            foreach (var v in variants) v.Evaluator.Evaluate(picked[0].Genome); // warm-up: kernels, allocator, sessions
            var warm = variants.Select(v => (v.Evaluator.Timings.Total, v.Evaluator.Timings.Compress, v.Evaluator.Timings.Build, v.Evaluator.Timings.Forward, v.Evaluator.Timings.Other)).ToArray();

            Console.WriteLine();
            Console.WriteLine($"## {label}: {picked.Count} of {journal.Count} evaluations of {run} ({images} validation images, base {variants[0].Evaluator.BaseMacs / 1e6:F1} M MACs)");
            if (perCandidate) Console.WriteLine("| # | gen | MACs ratio | bound (ms) | " + string.Join(" | ", variants.Select(v => $"{v.Name} (ms)")) + " | GFLOP/s (best engine) | of bound |");
            var seconds = new double[variants.Length];
            double bound = 0, macsTotal = 0;
            int mismatches = 0;
            foreach (var record in picked)
            {
                var results = new CandidateResult[variants.Length];
                var times = new double[variants.Length];
                for (int v = 0; v < variants.Length; v++)
                {
                    var clock = Stopwatch.StartNew();
                    results[v] = variants[v].Evaluator.Evaluate(record.Genome);
                    times[v] = clock.Elapsed.TotalSeconds;
                    seconds[v] += times[v];
                }
                if (results.Any(r => r.ValAccuracy != results[2].ValAccuracy || r.Macs != results[0].Macs) || asRecorded && results[0].ValAccuracy != record.ValAccuracy) mismatches++;
                double flops = 2.0 * results[0].Macs * images, candidateBound = flops / (peak * 1e9);
                bound += candidateBound;
                macsTotal += results[0].Macs;
                double best = Math.Min(times[0], times[1]);
                if (perCandidate)
                    Console.WriteLine($"| {record.Index} | {record.Generation} | {(double)results[0].Macs / variants[0].Evaluator.BaseMacs:F3} | {candidateBound * 1000:F1} | "
                        + string.Join(" | ", times.Select(t => $"{t * 1000:F1}")) + $" | {flops / best / 1e9:F1} | {candidateBound / best:P0} |");
            }
            Console.WriteLine();
            Console.WriteLine($"| evaluator | total (s) | per candidate (ms) | GFLOP/s | of FLOP bound | compress | build | forward | other | speed-up vs straightforward |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
            for (int v = 0; v < variants.Length; v++)
            {
                var t = variants[v].Evaluator.Timings;
                double total = t.Total - warm[v].Total;
                string Share(double part) => $"{part / total:P0}";
                Console.WriteLine($"| {variants[v].Name} | {seconds[v]:F2} | {seconds[v] / picked.Count * 1000:F1} | {2.0 * macsTotal * images / seconds[v] / 1e9:F1} | {bound / seconds[v]:P0} | "
                    + $"{Share(t.Compress - warm[v].Compress)} | {Share(t.Build - warm[v].Build)} | {Share(t.Forward - warm[v].Forward)} | {Share(t.Other - warm[v].Other)} | {seconds[2] / seconds[v]:F2}x |");
                var key = (variants[v].Name, fillLabel);
                totals[key] = (totals.GetValueOrDefault(key).Seconds + seconds[v], totals.GetValueOrDefault(key).Bound + bound);
            }
            var cache = variants[0].Evaluator.Factors!;
            Console.WriteLine($"factorisation cache: {cache.Hits} hits, {cache.Misses} misses; journal cache in the original search: {JournalCacheHitRate(run, journal)}; "
                + $"accuracy or MACs mismatches between variants or with the journal: {mismatches}; peak RSS {PeakRssMb():F0} MB");
        }
        if (totals.Count == 0) return;
        Console.WriteLine();
        Console.WriteLine("## all replayed candidates");
        Console.WriteLine("| evaluator | total (s) | of FLOP bound | speed-up vs straightforward |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var ((name, fill), (s, b)) in totals)
            Console.WriteLine($"| {name}{fill} | {s:F1} | {b / s:P0} | {totals[("straightforward", fill)].Seconds / s:F2}x |");
        Console.WriteLine($"peak RSS {PeakRssMb():F0} MB");
    }

    /// <summary>A seeded sample of <paramref name="count"/> journal records, in journal order.</summary>
    internal static List<EvaluationRecord> Sample(List<EvaluationRecord> journal, int count, int seed)
    {
        var indices = Enumerable.Range(0, journal.Count).ToArray();
        new Random(seed).Shuffle(indices);
        return indices.Take(count).Order().Select(i => journal[i]).ToList();
    }

    /// <summary>The share of the genetic algorithm's requests the journal served (generations after the first), if the run logged its populations.</summary>
    private static string JournalCacheHitRate(string run, List<EvaluationRecord> journal)
    {
        if (new RunStore(run).ReadPopulations() is not { } populations) return "n/a (no populations.jsonl)";
        int requested = 0, fresh = 0;
        foreach (var population in populations.Where(p => p.Generation > 0))
        {
            requested += population.Members.Length;
            fresh += population.Members.Distinct().Count(i => journal[i].Generation == population.Generation);
        }
        return requested == 0 ? "n/a" : $"{1 - (double)fresh / requested:P1} of {requested} requests";
    }

    /// <summary>Peak resident set size of this process (VmHWM), in MB.</summary>
    public static double PeakRssMb() => StatusKb("VmHWM:") / 1024.0;

    /// <summary>Current resident set size of this process (VmRSS), in MB.</summary>
    public static double RssMb() => StatusKb("VmRSS:") / 1024.0;

    private static long StatusKb(string field) =>
        File.ReadLines("/proc/self/status").Where(l => l.StartsWith(field, StringComparison.Ordinal))
            .Select(l => long.Parse(l[field.Length..].Trim().Split(' ')[0])).FirstOrDefault();
}
