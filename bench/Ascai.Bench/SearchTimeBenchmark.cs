using Ascai.Search;
using Ascai.Serialization;

namespace Ascai.Bench;

/// <summary>
/// How finished searches spent their evaluations and their time, read from their run folders against the machine's
/// peak measured in this run: distinct models, genomes served by an earlier model (aliases), candidates rejected
/// early and the share of images they did not score, the warm start's share of the budget, feasible share, and
/// the summed candidate time against the FLOP bound 2 x MACs x images scored / peak.
/// </summary>
internal static class SearchTimeBenchmark
{
    public static void Run(IReadOnlyList<string> runs)
    {
        double peak = MachinePeak.Gflops();
        Console.WriteLine();
        Console.WriteLine("| run | evaluations | distinct models among them | genomes served by an earlier model | rejected early | images not scored | warm start | feasible | best MACs ratio (test %) | candidate time (s) | FLOP bound (s) | of bound |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (string run in runs)
        {
            var store = new RunStore(run);
            if (!store.IsFinished) { Console.WriteLine($"| {run}: not finished |"); continue; }
            var records = store.ReadJournal();
            var summary = store.ReadSummary();
            // What the genomes decode to: a journal keyed on models holds each model once.
            var config = store.ReadConfig();
            using var model = ModelFile.Load(config.Model);
            var space = config.Evaluation.Space(model.Graph);
            int distinct = records.Select(r => space.ModelKey(r.Genome, config.Evaluation.ChannelMultiple)).Distinct().Count();
            int aliases = store.ReadAliases().Count;
            int images = summary.ValidationImages > 0 ? summary.ValidationImages : 1000;
            int rejected = records.Count(r => r.RejectedAfter is not null);
            long scored = records.Sum(r => (long)(r.RejectedAfter ?? images)), full = (long)records.Count * images;
            int firstGeneration = records.FindIndex(r => r.Generation >= 0);
            int warm = summary.Strategy == "ascai" ? (firstGeneration < 0 ? records.Count : firstGeneration) : 0;
            double seconds = records.Sum(r => r.Seconds);
            double bound = records.Sum(r => 2.0 * r.Macs * (r.RejectedAfter ?? images)) / (peak * 1e9);
            Console.WriteLine($"| {Path.GetFileName(Path.TrimEndingDirectorySeparator(run))} | {records.Count} | {distinct} | {aliases} | {rejected} | {1 - (double)scored / full:P1} | "
                + $"{(double)warm / records.Count:P0} | {(double)records.Count(r => r.Feasible) / records.Count:P0} | {(summary.Best is { } b ? $"{b.MacsRatio:F3} ({b.TestAccuracy:F2})" : "none")} | "
                + $"{seconds:F1} | {bound:F1} | {bound / seconds:P0} |");
        }
    }
}
