using Ascai.Compression;

namespace Ascai.Search.Strategies;

/// <summary>
/// The global ranking baseline, as Torch-Pruning's <c>global_pruning=True</c> applies it: every channel group's importance
/// scores divided by their mean in the group (its default <c>GroupNormalizer</c>), then one threshold over all of them;
/// each group loses its channels below the threshold, within the most its gene allows. The threshold is swept over the
/// quantiles of the pooled scores with the whole budget (at most <see cref="UniformStrategy.MaxSteps"/> steps), through the
/// same importance, channel rounding and evaluator as the search, so a run can be set beside any other on equal terms.
/// Channel pruning (ps) only.
/// </summary>
public sealed class GlobalRankingStrategy : ISearchStrategy
{
    /// <inheritdoc/>
    public string Name => "global";

    /// <inheritdoc/>
    public string? Run(SearchRun run, Random random)
    {
        var scores = run.ChannelImportance?.Invoke()
            ?? throw new AscaiException("the global ranking needs the channels' importance, which this run does not offer");
        if (run.Space.Genes.Any(g => g.Method != "ps"))
            throw new SettingException(SettingException.Of<SearchConfig>(nameof(SearchConfig.Strategy)), "global ranks channels: it prunes with ps only");
        var normalised = run.Space.Genes.Select(g => Normalised(scores, g.Layer)).ToList();
        var pooled = normalised.SelectMany(s => s).Order().ToArray();
        int steps = Math.Min(run.Options.Budget ?? UniformStrategy.MaxSteps, UniformStrategy.MaxSteps);
        run.Phase = "sweep";
        for (int k = 0; k < steps && !run.ShouldStop && !run.HandOver; k++)
        {
            double quantile = steps == 1 ? 1 : (double)k / (steps - 1);
            double threshold = k == 0 ? double.NegativeInfinity : pooled[Math.Min(pooled.Length - 1, (int)Math.Floor(quantile * (pooled.Length - 1)))];
            run.Evaluate([At(run.Space, normalised, threshold)], k);
        }
        return run.HandOver ? null : $"sweep done ({steps} thresholds)";
    }

    /// <summary>The genome that prunes, in each group, the channels whose normalised score is at or below <paramref name="threshold"/>.</summary>
    public static double[] At(SearchSpace space, IReadOnlyList<float[]> normalised, double threshold) =>
        space.Genes.Select((gene, i) =>
        {
            int below = normalised[i].Count(s => s <= threshold);
            // Half a channel over the count: the ratio p prunes floor(p * C) channels, whatever the rounding of p * C.
            return below == 0 ? 0 : gene.Clip(Math.Min(gene.Max, (below + 0.5) / normalised[i].Length));
        }).ToArray();

    private static float[] Normalised(IReadOnlyDictionary<string, float[]> scores, string group)
    {
        if (!scores.TryGetValue(group, out var values) || values.Length == 0) throw new AscaiException($"no importance scores for the channels of '{group}'");
        double mean = values.Average(v => (double)v);
        return mean > 0 ? values.Select(v => (float)(v / mean)).ToArray() : values.Select(_ => 1f).ToArray();
    }
}
