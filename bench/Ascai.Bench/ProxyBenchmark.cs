using Ascai.Compression;
using Ascai.Evaluation;
using Ascai.Search;

namespace Ascai.Bench;

/// <summary>
/// How well a search's quick score ranks candidates as fine-tuning would (EagleEye, ECCV 2020, measured this as the
/// correlation between a pruned candidate's accuracy before and after fine-tuning). From a finished run folder it
/// takes candidates of two kinds: spread over the Pareto front, and the ones <c>--probe</c> fine-tunes, within 10% of
/// the returned model's cost and spread over the accuracy the search measured (what the search must tell apart at the
/// floor). Each is scored on the search's images with each fill of pruned channels, with and without batch-norm
/// re-estimation, then fine-tuned once (one epoch, distilled, from the run's own fill, as the pipeline does) and
/// measured on the test split, images no score saw.
/// Prints Kendall's tau of each quick score against the fine-tuned accuracy, and of the cost alone for reference.
/// Fine-tuned models are kept in <c>RUN/proxy/INDEX.ascai</c>, so a second run only re-scores.
/// </summary>
internal static class ProxyBenchmark
{
    private sealed record Proxy(string Name, PrunedChannelFill Fill, int BatchNormImages);

    public static void Run(string runDir, int candidates, int batchNormImages)
    {
        using var search = new RecordedSearch(runDir);
        var (config, model, space) = (search.Config, search.Model, search.Space);
        var data = config.Confirmation > 0
            ? search.Data.WithConfirmation((int)Math.Round(config.Confirmation * search.Data.ValidationIndices.Length), config.Options.Seed)
            : search.Data;
        var metric = space.Cost;
        double Cost(EvaluationRecord r) => r.CostIn(metric);

        var summary = new RunStore(runDir).ReadSummary();
        var returned = summary.Best?.Genome is { } best ? search.Journal.FirstOrDefault(r => r.Genome.SequenceEqual(best)) : null;
        var front = SearchRun.Pareto(search.Journal, metric);
        var frontPicked = FrontFineTuning.Spread(front, candidates);
        // What the search had to rank at the floor, as --probe picks them: about the returned model's cost, spread over the search's accuracy.
        var nearPicked = FrontFineTuning.AtCost(search.Journal, metric, returned is null ? Cost(front[front.Count / 2]) : Cost(returned), candidates);

        var proxies = new List<Proxy>();
        foreach (var fill in new[] { PrunedChannelFill.Zero, PrunedChannelFill.Mean, PrunedChannelFill.Linear })
        foreach (int bn in new[] { 0, batchNormImages })
            proxies.Add(new Proxy($"{fill.ToString().ToLowerInvariant()}{(bn > 0 ? " + bn" : "")}", fill, bn));
        var evaluators = proxies.Select(p => new CandidateEvaluator(model, data, space,
            config.Evaluation.Context() with { Fill = p.Fill, BatchNormImages = p.BatchNormImages }, config.Evaluation.Engine,
            quantization: config.Evaluation.Quantization)).ToList();
        // The pipeline's own candidate (the run's fill and re-estimation) is what fine-tuning starts from.
        using var pipeline = config.Evaluation.Evaluator(model, data, space);
        var training = new FineTuneOptions().Training(config.Options.Seed) with { Epochs = 1, KeepZeros = space.PrunesWeights };
        try
        {
            Console.WriteLine($"# {runDir}: {config.Evaluation.Methods}, {data.ValidationIndices.Length} search images, {data.TestIndices.Length} test images, " +
                $"batch-norm re-estimation on {batchNormImages} training images, fine-tuning 1 epoch distilled from the {config.Evaluation.Fill.ToString().ToLowerInvariant()} fill");
            Console.WriteLine($"base: search images {pipeline.BaseAccuracy():F2}%, test {pipeline.Accuracy(model.Graph, data.Test, data.TestIndices):F2}%");
            foreach (var (label, picked) in new[] { ("spread over the front", frontPicked), ("at about the returned model's cost (what --probe picks)", nearPicked) })
            {
                Console.WriteLine();
                Console.WriteLine($"## {picked.Count} candidates {label}");
                Console.WriteLine("| # | cost ratio | " + string.Join(" | ", proxies.Select(p => p.Name)) + " | fine-tuned test | fine-tuning (s) |");
                Console.WriteLine("|---|---|" + string.Concat(proxies.Select(_ => "---|")) + "---|---|");
                var scores = proxies.Select(_ => new List<double>()).ToList();
                var tuned = new List<double>();
                var costs = new List<double>();
                foreach (var record in picked)
                {
                    for (int p = 0; p < proxies.Count; p++) scores[p].Add(evaluators[p].Evaluate(record.Genome).ValAccuracy);
                    var (graph, seconds) = FrontFineTuning.FineTune(model, data, pipeline, record.Genome, training, distill: true,
                        Path.Combine(runDir, "proxy", $"{record.Index}.ascai"));
                    using (graph) tuned.Add(pipeline.Accuracy(graph, data.Test, data.TestIndices, space.Int8Layers(record.Genome)));
                    costs.Add(Cost(record));
                    Console.WriteLine($"| {record.Index} | {Cost(record) / pipeline.BaseCost:F3} | " + string.Join(" | ", scores.Select(s => $"{s[^1]:F1}")) +
                        $" | {tuned[^1]:F2} | {seconds:F0} |");
                }
                Console.WriteLine($"Kendall's tau against the fine-tuned test accuracy: " +
                    string.Join(", ", proxies.Select((p, i) => $"{p.Name} {FrontFineTuning.KendallTau(scores[i], tuned):F2}")) +
                    $"; cost alone {FrontFineTuning.KendallTau(costs, tuned):F2}");
            }
        }
        finally
        {
            foreach (var e in evaluators) e.Dispose();
        }
    }
}
