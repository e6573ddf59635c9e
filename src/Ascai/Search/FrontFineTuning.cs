using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Serialization;
using Ascai.Training;

namespace Ascai.Search;

/// <summary>One candidate fine-tuned after the search: its accuracy before and after, and whether it then met the floor.</summary>
public sealed record FineTunedModel
{
    /// <summary>Its journal index.</summary>
    public int Index { get; init; }
    /// <summary>MACs relative to the original model (unchanged by fine-tuning: the model stays compact).</summary>
    public double MacsRatio { get; init; }
    /// <summary>Accuracy on the search's images before fine-tuning.</summary>
    public double ValAccuracy { get; init; }
    /// <summary>
    /// Accuracy after fine-tuning on the images the floor is judged on (the confirmation images when there are some), or
    /// on the test split for a probed candidate.
    /// </summary>
    public double JudgedOnAccuracy { get; init; }
    /// <summary>Under a confidence floor: the base accuracy there minus the bound on its drop (at the confidence divided among the candidates tried).</summary>
    public double? Judged { get; init; }
    /// <summary>Whether it meets the floor there after fine-tuning.</summary>
    public bool Passed { get; init; }
    /// <summary>Seconds spent fine-tuning it (0 when read back from the run folder).</summary>
    public double Seconds { get; init; }
    /// <summary>Why it has no accuracy after fine-tuning (its training diverged), or null.</summary>
    public string? Failure { get; init; }
}

/// <summary>
/// Fine-tuning inside the pipeline: the compact models of the front's near misses (cheaper than anything the search
/// alone could return, down to <see cref="FineTuneOptions.Slack"/> points below the floor, since fine-tuning recovers
/// accuracy) are trained on the training split, distilled from the original model by default, and judged again on the
/// confirmation images; the cheapest that keeps the promise is the result when it is cheaper than the search's own. A compact model keeps its shape while it
/// trains, so no pruned channel regrows; non-structured zeros are held at zero. Fine-tuned models are kept in the run
/// folder (<c>finetuned/INDEX.ascai</c>), so a resumed run does not train them again.
/// </summary>
public sealed class FrontFineTuning(Model model, DatasetSplits data, CandidateEvaluator evaluator, SearchRun run, string cacheDir)
{
    /// <summary>
    /// Fine-tunes the front's near misses (<see cref="NearMisses"/>) from the costliest down and judges each against
    /// <paramref name="floor"/> (on the confirmation images when <paramref name="confirmed"/>, else on the search's), until
    /// the first that misses it: the cheapest that passed before is returned (its graph is the caller's to dispose), with
    /// every candidate tried. The sequence is fixed by the search's images alone and stops at its first miss (fixed-sequence
    /// testing), so the chance that a returned candidate truly misses the floor stays within the floor's confidence,
    /// however many are tried. A candidate whose training diverges is recorded and passed over.
    /// </summary>
    public (EvaluationRecord Record, LayerGraph Graph)? Run(FineTuneOptions options, AccuracyFloor floor, bool confirmed,
        List<FineTunedModel> tried, CancellationToken cancel = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var candidates = NearMisses(options).OrderByDescending(r => r.CostIn(run.Space.Cost)).ThenBy(r => r.Index).ToList();
        (EvaluationRecord Record, LayerGraph Graph)? passedLast = null;
        foreach (var (record, k) in candidates.Select((r, k) => (r, k)))
        {
            var left = options.TimeLimit is { } limit ? limit - clock.Elapsed : (TimeSpan?)null;
            if (left is { } l && l <= TimeSpan.Zero) break;
            var progress = new Progress(step => run.Report(new FineTuneProgress(k + 1, candidates.Count, record.Index, record.CostIn(run.Space.Cost) / run.BaseCost, step)));
            LayerGraph graph;
            double seconds;
            try { (graph, seconds) = FineTuned(record, options, options.Epochs, left, cancel, progress: progress); }
            catch (TrainingDivergedException e)
            {
                tried.Add(new FineTunedModel { Index = record.Index, MacsRatio = (double)record.Macs / evaluator.BaseMacs, ValAccuracy = record.ValAccuracy, Failure = e.Problem });
                continue;
            }
            var result = Judge(record, graph, confirmed, cancel);
            bool passed = floor.Meets(result);
            tried.Add(new FineTunedModel
            {
                Index = record.Index, MacsRatio = (double)record.Macs / evaluator.BaseMacs, ValAccuracy = record.ValAccuracy,
                JudgedOnAccuracy = result.ValAccuracy, Judged = floor.Confidence is null ? null : floor.Judged(result), Passed = passed, Seconds = seconds,
            });
            if (!passed)
            {
                graph.Dispose();
                break;
            }
            passedLast?.Graph.Dispose();
            passedLast = (record, graph);
        }
        return passedLast;
    }

    /// <summary>
    /// Kendall's tau between the search's accuracy of <paramref name="count"/> candidates and their test accuracy after one
    /// epoch of fine-tuning: whether the search's ranking, its proxy for what a candidate is worth, holds once candidates
    /// are trained. The candidates are the ones the search had to tell apart, at about the cost of
    /// <paramref name="returned"/> (the front's middle when nothing was returned; <see cref="AtCost"/>). Along the front
    /// the search's accuracy rises with cost by construction, so ranking front members would only say that larger models
    /// fine-tune better. The test split judges because its images are many and took no part in choosing them. Also
    /// returned: the tau of the candidates' cost alone, what a ranking that knows nothing of accuracy would achieve. Both
    /// are null when fewer than two candidates could be probed.
    /// </summary>
    public (double? Tau, double? CostTau, List<FineTunedModel> Probed) Probe(int count, FineTuneOptions options, EvaluationRecord? returned, CancellationToken cancel = default)
    {
        var front = run.ParetoFront();
        if (front.Count == 0) return (null, null, []);
        var picked = AtCost(run.Records, run.Space.Cost, (returned ?? front[front.Count / 2]).CostIn(run.Space.Cost), count);
        var probed = new List<FineTunedModel>();
        foreach (var record in picked)
        {
            var (graph, seconds) = FineTuned(record, options, epochs: 1, null, cancel, "probe");
            using (graph)
            {
                probed.Add(new FineTunedModel
                {
                    Index = record.Index, MacsRatio = (double)record.Macs / evaluator.BaseMacs, ValAccuracy = record.ValAccuracy,
                    JudgedOnAccuracy = evaluator.Accuracy(graph, data.Test, data.TestIndices, run.Space.Int8Layers(record.Genome), cancel), Seconds = seconds,
                });
            }
        }
        if (probed.Count < 2) return (null, null, probed); // no ranking to compare
        var tuned = probed.Select(p => p.JudgedOnAccuracy).ToArray();
        return (KendallTau(probed.Select(p => p.ValAccuracy).ToArray(), tuned), KendallTau(picked.Select(r => r.CostIn(run.Space.Cost)).ToArray(), tuned), probed);
    }

    /// <summary>
    /// At most <paramref name="count"/> scored candidates of <paramref name="records"/> within 10% of
    /// <paramref name="cost"/> (the band doubled until it holds that many), spread evenly over the accuracy the search
    /// measured on them, both ends included; by increasing cost. Failed and early-rejected candidates are left out.
    /// </summary>
    public static List<EvaluationRecord> AtCost(IEnumerable<EvaluationRecord> records, Cost.CostMetric metric, double cost, int count)
    {
        var scored = records.Where(r => r.Failure is null && r.RejectedAfter is null).ToList();
        List<EvaluationRecord> band;
        double width = 0.1;
        while ((band = scored.Where(r => Math.Abs(r.CostIn(metric) / cost - 1) <= width).ToList()).Count < count && band.Count < scored.Count && width < 1e3) width *= 2;
        return Spread(band.OrderBy(r => r.ValAccuracy).ThenBy(r => r.Index).ToList(), count).OrderBy(r => r.CostIn(metric)).ThenBy(r => r.Index).ToList();
    }

    /// <summary>
    /// Under a cost target: <paramref name="record"/> (the most accurate within the cost) fine-tuned and judged where it was
    /// (the confirmation images when <paramref name="confirmed"/>); returned with its row when it got more accurate there
    /// than <paramref name="before"/>, else null. Its training diverging leaves it as it was.
    /// </summary>
    public (EvaluationRecord Record, LayerGraph Graph)? Improve(EvaluationRecord record, double before, FineTuneOptions options, bool confirmed,
        List<FineTunedModel> tried, CancellationToken cancel = default)
    {
        var progress = new Progress(step => run.Report(new FineTuneProgress(1, 1, record.Index, record.CostIn(run.Space.Cost) / run.BaseCost, step)));
        LayerGraph graph;
        double seconds;
        try { (graph, seconds) = FineTuned(record, options, options.Epochs, options.TimeLimit, cancel, progress: progress); }
        catch (TrainingDivergedException e)
        {
            tried.Add(new FineTunedModel { Index = record.Index, MacsRatio = (double)record.Macs / evaluator.BaseMacs, ValAccuracy = record.ValAccuracy, Failure = e.Problem });
            return null;
        }
        var result = Judge(record, graph, confirmed, cancel);
        bool better = result.ValAccuracy > before;
        tried.Add(new FineTunedModel
        {
            Index = record.Index, MacsRatio = (double)record.Macs / evaluator.BaseMacs, ValAccuracy = record.ValAccuracy,
            JudgedOnAccuracy = result.ValAccuracy, Passed = better, Seconds = seconds,
        });
        if (better) return (record, graph);
        graph.Dispose();
        return null;
    }

    /// <summary>
    /// The candidates worth fine-tuning, chosen on the search's images alone: the front's members that miss the floor there
    /// by at most <see cref="FineTuneOptions.Slack"/> points and cost less than its cheapest member that meets it (the
    /// cheapest the search alone could return), at most <see cref="FineTuneOptions.Candidates"/> spread over their costs.
    /// </summary>
    public List<EvaluationRecord> NearMisses(FineTuneOptions options)
    {
        double Cost(EvaluationRecord r) => r.CostIn(run.Space.Cost);
        double cheapestFeasible = run.FeasibleFront().Select(Cost).DefaultIfEmpty(double.PositiveInfinity).Min();
        var misses = run.ParetoFront()
            .Where(r => !r.Feasible && r.ValAccuracy >= run.Floor.Threshold - options.Slack && Cost(r) < cheapestFeasible)
            .OrderBy(Cost).ToList();
        return Spread(misses, options.Candidates);
    }

    // A fine-tuned candidate is trained in float32 and then quantised (with the layers its genome runs in int8) as it was in the search.
    private Evaluation.CandidateResult Judge(EvaluationRecord record, LayerGraph graph, bool confirmed, CancellationToken cancel)
    {
        var int8 = run.Space.Int8Layers(record.Genome);
        return confirmed ? evaluator.Confirm(graph, int8, cancel) : evaluator.Measure(graph, int8, cancel);
    }

    /// <summary>At most <paramref name="count"/> evenly spaced members of a sorted list (by cost, say), both ends included.</summary>
    public static List<EvaluationRecord> Spread(List<EvaluationRecord> sorted, int count)
    {
        if (sorted.Count <= count) return sorted;
        if (count == 1) return [sorted[^1]];
        return Enumerable.Range(0, count).Select(i => sorted[(int)Math.Round((double)i * (sorted.Count - 1) / (count - 1))]).Distinct().ToList();
    }

    private (LayerGraph Graph, double Seconds) FineTuned(EvaluationRecord record, FineTuneOptions options, int epochs, TimeSpan? timeLimit,
        CancellationToken cancel, string folder = "finetuned", IProgress<TrainProgress>? progress = null)
    {
        var training = options.Training(run.Options.Seed, timeLimit) with { Epochs = epochs, KeepZeros = run.Space.PrunesWeights };
        // Kept per setting: a run resumed with other fine-tuning settings trains its candidates anew.
        string setting = $"e{epochs}-lr{training.LearningRate.ToString(System.Globalization.CultureInfo.InvariantCulture)}-{(options.Distill ? "distill" : "labels")}";
        return FineTune(model, data, evaluator, record.Genome, training, options.Distill, Path.Combine(cacheDir, folder, setting, $"{record.Index}.ascai"), cancel, progress);
    }

    // Reports on the training thread, as the search's own progress does.
    private sealed class Progress(Action<TrainProgress> report) : IProgress<TrainProgress>
    {
        public void Report(TrainProgress value) => report(value);
    }

    /// <summary>
    /// The compact model of <paramref name="genome"/> (as <paramref name="evaluator"/> builds it) trained by
    /// <paramref name="training"/> on <paramref name="data"/>'s training split, distilled from <paramref name="model"/> when
    /// <paramref name="distill"/>; saved at <paramref name="path"/>, and read back from there (in 0 seconds) when it is
    /// already there. The caller disposes the graph.
    /// </summary>
    public static (LayerGraph Graph, double Seconds) FineTune(Model model, DatasetSplits data, CandidateEvaluator evaluator, double[] genome,
        TrainOptions training, bool distill, string path, CancellationToken cancel = default, IProgress<TrainProgress>? progress = null)
    {
        if (File.Exists(path)) return (ModelFile.Load(path).Graph, 0);
        var graph = evaluator.Build(genome);
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Trainer.Train(graph, data with { Normalization = model.Info.Normalization }, training, progress, cancel, teacher: distill ? model.Graph : null);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            ModelFile.Save(new Model(graph, model.Info with { Compression = new CompressionRecord { BaseMacs = evaluator.BaseMacs, BaseParams = evaluator.BaseParams, Compact = true } }), path);
            return (graph, clock.Elapsed.TotalSeconds);
        }
        catch
        {
            graph.Dispose();
            throw;
        }
    }

    /// <summary>Kendall's tau-b of two rankings (ties counted as neither concordant nor discordant); 0 when either is constant.</summary>
    public static double KendallTau(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        long concordant = 0, discordant = 0, tiesX = 0, tiesY = 0, pairs = 0;
        for (int i = 0; i < x.Count; i++)
            for (int j = i + 1; j < x.Count; j++)
            {
                int sx = Math.Sign(x[i] - x[j]), sy = Math.Sign(y[i] - y[j]);
                pairs++;
                if (sx == 0) tiesX++;
                if (sy == 0) tiesY++;
                if (sx * sy > 0) concordant++;
                else if (sx * sy < 0) discordant++;
            }
        double denominator = Math.Sqrt((double)(pairs - tiesX) * (pairs - tiesY));
        return denominator == 0 ? 0 : (concordant - discordant) / denominator;
    }
}
