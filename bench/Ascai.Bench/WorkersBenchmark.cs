using System.Diagnostics;
using Ascai.Compression;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Search;
using Ascai.Serialization;
using static TorchSharp.torch;

namespace Ascai.Bench;

/// <summary>
/// Scaling of <c>--workers</c>: the same replayed genomes evaluated through a search run with 1 worker on all the
/// cores' threads and with W workers sharing them, per engine; the journals must agree.
/// </summary>
internal static class WorkersBenchmark
{
    public static void Run(string source, int candidates, int maxWorkers)
    {
        using var search = new RecordedSearch(source);
        var genomes = search.Journal.Take(candidates).Select(r => r.Genome).ToList();
        var (model, data, space) = (search.Model, search.Data, search.Space);
        int cores = Environment.ProcessorCount;
        Console.WriteLine($"{source}: the first {genomes.Count} genomes of its journal, {cores} cores");
        Console.WriteLine("| engine | workers x threads | seconds | candidates/s | speed-up vs 1 worker |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var engine in new[] { EvaluationEngine.TorchSharp, EvaluationEngine.OnnxRuntime })
        {
            double? single = null;
            List<EvaluationRecord>? reference = null;
            for (int workers = 1; workers <= maxWorkers; workers *= 2)
            {
                set_num_threads(Math.Max(1, cores / workers));
                using var evaluator = new CandidateEvaluator(model, data, space, search.Context(), engine);
                evaluator.Evaluate(genomes[^1]); // warm-up
                var run = new SearchRun(space, new ScoreFunction(ScoreForm.Ascai, 95, 94), evaluator.BaseCost, new SearchOptions(), evaluator.Evaluate) { Workers = workers };
                var clock = Stopwatch.StartNew();
                var records = run.Evaluate(genomes, 0);
                double seconds = clock.Elapsed.TotalSeconds;
                single ??= seconds;
                reference ??= [.. records];
                bool same = records.Select(r => (r.ValAccuracy, r.Macs)).SequenceEqual(reference.Select(r => (r.ValAccuracy, r.Macs)));
                Console.WriteLine($"| {engine} | {workers} x {get_num_threads()} | {seconds:F1} | {genomes.Count / seconds:F2} | {single / seconds:F2}x{(same ? "" : " (RESULTS DIFFER)")} |");
            }
        }
        set_num_threads(cores);
    }
}
