using Ascai.Compression;
namespace Ascai.Search.Strategies;

/// <summary>
/// A local refinement of the best feasible individual after the genetic algorithm (not in the paper; off by
/// default): compass search. Each pass polls every gene one step either way (a continuous gene by the current step
/// length, a discrete one by one bin) as one batch, moves to the best-scoring feasible neighbour if it beats the
/// current point, and halves the continuous step when none does. At the finest step (the threshold resolution) it
/// also polls trades, one gene a step toward more compression and another a step toward less, which move an
/// individual along the accuracy floor where single steps cannot; a descent ends when neither finds a better
/// neighbour, and the next starts in another basin, until the polish's evaluations are spent. The GA's mutation
/// rarely makes the small, single-layer moves that take an individual right up to the floor; this does, and it
/// needs few evaluations.
/// </summary>
public static class CompassPolish
{
    /// <summary>
    /// Refines <see cref="SearchRun.BestFeasible"/>, starting passes while fewer than <paramref name="evaluations"/>
    /// new evaluations were spent. A descent that converges with evaluations left hands them to a new descent from the
    /// best-scoring feasible individual evaluated so far that lies more than the initial step from every point an
    /// earlier descent moved through (another basin, found by the GA), so the polish's share is not left unspent.
    /// </summary>
    /// <returns>Why it ended (for the run's stop reason), or null when the run was stopped from outside.</returns>
    public static string? Run(SearchRun run, int evaluations)
    {
        if (run.BestFeasible is not { } start) return "no feasible individual to polish";
        int limit = run.Evaluations + evaluations;
        double initialStep = InitialStep(run.Options);
        var visited = new List<double[]>();
        for (int descents = 1; ; descents++)
        {
            if (Descend(run, start, limit, visited) is null) return run.ShouldStop ? null : $"polish ({evaluations} evaluations)";
            var next = run.Records.Where(r => r.Feasible && visited.All(v => Distance(run.Space, v, r.Genome) > initialStep)).MaxBy(r => r.Score);
            if (next is null || run.Evaluations >= limit)
                return descents == 1 ? "polish converged" : $"polish converged ({descents} starts)";
            start = next;
        }
    }

    /// <summary>
    /// One compass descent from <paramref name="start"/>, adding every point it moves through to
    /// <paramref name="visited"/>.
    /// </summary>
    /// <returns>The point it converged to (no neighbour nor trade at the finest step is better), or null when the
    /// run reached <paramref name="limit"/> evaluations or stopped first.</returns>
    public static EvaluationRecord? Descend(SearchRun run, EvaluationRecord start, int limit, ICollection<double[]> visited)
    {
        var space = run.Space;
        var current = start;
        visited.Add(current.Genome);
        double step = InitialStep(run.Options);
        bool trades = false;
        while (!run.ShouldStop)
        {
            if (run.Evaluations >= limit) return null;
            // A whole pass at a time (in parallel when the run has workers): the last pass may go past the polish's
            // share by less than one pass, never past the run's budget, which SearchRun enforces.
            var neighbours = (trades ? Trades(space, current.Genome, step) : Neighbours(space, current.Genome, step))
                .Where(g => !Same(g, current.Genome)).ToList();
            var records = run.Evaluate(neighbours, -1);
            var better = records.Where(r => r.Feasible && r.Score > current.Score).MaxBy(r => r.Score);
            if (better is not null) { current = better; trades = false; visited.Add(current.Genome); }
            else if (records.Count < neighbours.Count) continue; // the run is stopping (budget, time, interrupt): the loop's test records why
            else if (step / 2 >= run.Options.ThresholdResolution) step /= 2;
            // At the finest step an individual on the floor cannot move one gene alone: trade between two genes.
            else if (!trades) trades = true;
            else return current;
        }
        return null;
    }

    // A descent's first step, as a fraction of a gene's range; also how far apart two descents' starts must be.
    private static double InitialStep(SearchOptions options) => options.Sigma / 4;

    /// <summary>The largest difference of two genomes over their genes, each as a fraction of its gene's range.</summary>
    public static double Distance(SearchSpace space, double[] a, double[] b) =>
        Enumerable.Range(0, a.Length).Max(i => Math.Abs(a[i] - b[i]) / Math.Max(space.Genes[i].Max - space.Genes[i].Min, double.Epsilon));

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
                neighbour[i] = Move(gene, genome[i], step, direction);
                yield return neighbour;
            }
        }
    }

    /// <summary>
    /// The genome with one gene one step toward more compression and another one step toward less, for every ordered
    /// pair of genes: moves along the floor, which single-gene steps cannot make once the individual sits on it.
    /// </summary>
    public static IEnumerable<double[]> Trades(SearchSpace space, double[] genome, double step)
    {
        for (int i = 0; i < genome.Length; i++)
            for (int j = 0; j < genome.Length; j++)
            {
                if (i == j) continue;
                var neighbour = (double[])genome.Clone();
                neighbour[i] = Move(space.Genes[i], genome[i], step, +1);
                neighbour[j] = Move(space.Genes[j], genome[j], step, -1);
                yield return neighbour;
            }
    }

    private static double Move(Gene gene, double value, double step, int direction) =>
        gene.IsDiscrete ? gene.Step(value, -direction) : gene.Moved(value, direction * step * (gene.Max - gene.Min));

    private static bool Same(double[] a, double[] b) => a.AsSpan().SequenceEqual(b);
}
