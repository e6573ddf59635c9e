namespace Ascai.Search.Strategies;

/// <summary>
/// A local refinement of the best feasible individual after the genetic algorithm (not in the paper; off by
/// default): compass search. Each pass polls every gene one step either way (a continuous gene by the current step
/// length, a discrete one by one bin) as one batch, moves to the best-scoring feasible neighbour if it beats the
/// current point, and halves the continuous step when none does; it ends when the step falls below the threshold
/// resolution with no move left, or when its evaluations are spent. The GA's mutation rarely makes the small,
/// single-layer moves that take an individual right up to the floor; this does, and it needs few evaluations.
/// </summary>
public static class CompassPolish
{
    /// <summary>Refines <see cref="SearchRun.BestFeasible"/>, starting passes while fewer than <paramref name="evaluations"/> new evaluations were spent.</summary>
    /// <returns>Why it ended (for the run's stop reason), or null when the run was stopped from outside.</returns>
    public static string? Run(SearchRun run, int evaluations)
    {
        if (run.BestFeasible is not { } start || evaluations < 1) return "no feasible individual to polish";
        var space = run.Space;
        int limit = run.Evaluations + evaluations;
        var current = start;
        double step = run.Options.Sigma / 4;
        while (!run.ShouldStop)
        {
            if (run.Evaluations >= limit) return $"polish ({evaluations} evaluations)";
            // A whole pass at a time (in parallel when the run has workers): the last pass may go past the polish's
            // share by less than one pass, never past the run's budget, which SearchRun enforces.
            var neighbours = Neighbours(space, current.Genome, step).Where(g => !Same(g, current.Genome)).ToList();
            var records = run.Evaluate(neighbours, -1);
            var better = records.Where(r => r.Feasible && r.Score > current.Score).MaxBy(r => r.Score);
            if (better is not null) current = better;
            else if (records.Count < neighbours.Count) return null; // the run was stopped (budget, time, interrupt)
            else if (step / 2 >= run.Options.ThresholdResolution) step /= 2;
            else return "polish converged"; // no neighbour at the finest step is better
        }
        return null;
    }

    /// <summary>The genome moved one step down and one step up along each gene, in gene order (clipped).</summary>
    public static IEnumerable<double[]> Neighbours(SearchSpace space, double[] genome, double step)
    {
        for (int i = 0; i < genome.Length; i++)
        {
            var gene = space.Genes[i];
            foreach (int direction in new[] { 1, -1 })
            {
                var neighbour = (double[])genome.Clone();
                // A higher ratio, or a lower bin, compresses more: try that direction first.
                neighbour[i] = gene.IsDiscrete ? gene.Step(genome[i], -direction) : gene.Clip(genome[i] + direction * step * (gene.Max - gene.Min));
                yield return neighbour;
            }
        }
    }

    private static bool Same(double[] a, double[] b) => a.AsSpan().SequenceEqual(b);
}
