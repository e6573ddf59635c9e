using Ascai.Compression;
using Ascai.Search.Operators;

namespace Ascai.Search.Strategies;

/// <summary>
/// ASCAI's genetic algorithm (method.md sections 3 and 5): a warm (or naive) feasible initial population, then per
/// generation: evaluate, selection (min-normalised with replacement, the paper's, or tournament), adjacent-pair
/// crossover on copies, mutation, clipping. No elitism (as in the paper); the run keeps the best feasible individual
/// ever evaluated.
/// </summary>
public sealed class GeneticStrategy : ISearchStrategy
{
    /// <summary>How many candidates may be drawn per initial slot before giving up on a feasible one.</summary>
    public const int ResampleLimit = 10;

    /// <inheritdoc/>
    public string Name => "ascai";

    /// <summary>The threshold vector, once computed (warm start only).</summary>
    public double[]? Theta { get; private set; }

    /// <inheritdoc/>
    public string? Run(SearchRun run, Random random)
    {
        var options = run.Options;
        // Under a cost target feasibility is a matter of cost: per-gene accuracy thresholds say nothing of it, so the
        // population is drawn over the genes' whole ranges and redrawn until it meets the target.
        bool target = run.Score.TargetCost is not null;
        if (options.Init == InitMode.Warm && !target)
        {
            run.Phase = "threshold";
            var theta = Theta = ThresholdVector.Compute(run.Space, g => Feasible(run, g), options.ThresholdResolution);
            run.Notify(o => o.ThetaComputed(theta));
        }
        run.Phase = "initial population";
        var population = InitialPopulation(run, random);
        double bestScore = double.NegativeInfinity;
        int stale = 0;
        for (int generation = 0; generation < options.Generations && !run.ShouldStop && !run.HandOver; generation++)
        {
            run.Phase = "generation";
            var records = run.Evaluate(population, generation);
            if (records.Count < population.Length) break; // stopped mid-generation
            run.Notify(o => o.GenerationEvaluated(generation, records));
            if (run.BestFeasible is { } best && best.Score > bestScore) { bestScore = best.Score; stale = 0; }
            else if (options.Stagnation is { } limit && ++stale >= limit) return $"stagnation ({limit} generations)";
            if (generation == options.Generations - 1) return $"generations ({options.Generations})";
            var parents = SelectParents(records, options, random).Select(i => records[i].Genome).ToArray();
            population = Crossover.Apply(parents, options.CrossoverProbability, options.SwapProbability, random);
            Mutation.Apply(population, run.Space.Genes, options.MutationProbability, options.TweakProbability, options.Sigma, random);
            population = population.Select(run.Space.Clip).ToArray();
        }
        return null;
    }

    private static int[] SelectParents(IReadOnlyList<EvaluationRecord> records, SearchOptions options, Random random)
    {
        var scores = records.Select(r => r.Score).ToArray();
        var feasible = options.Constraint == ConstraintHandling.Strict ? records.Select(r => r.Feasible).ToArray() : null;
        return options.Selection == SelectionScheme.Tournament
            ? TournamentSelection.Select(scores, feasible, records.Count, options.TournamentSize, random)
            : Selection.Select(feasible is null ? scores : Selection.FeasibleFirst(scores, feasible), records.Count, random);
    }

    /// <summary>Whether <paramref name="genome"/> meets the floor (evaluated as part of the warm start); a stopped run answers no.</summary>
    internal static bool Feasible(SearchRun run, double[] genome)
    {
        var records = run.Evaluate([genome], -1);
        return records.Count == 1 && records[0].Feasible; // a stopped run answers "no": the search ends right after
    }

    // Only individuals above the floor enter (method.md section 3). Resample (the paper's): draw again, bounded,
    // then the feasible ones found fill the remaining places (the uncompressed genome if none was). Shrink: move an
    // infeasible sample halfway to the uncompressed genome until it is feasible (identity after the limit).
    private double[][] InitialPopulation(SearchRun run, Random random)
    {
        int n = run.Options.Population;
        var population = new List<double[]>();
        bool target = run.Score.TargetCost is not null;
        bool shrink = !target && run.Options.InitRepair == InitRepair.Shrink, scaled = !target && run.Options.InitRepair == InitRepair.Scale;
        double scale = 1;
        int limit = InitialEvaluationLimit(run.Options, run.Evaluations), start = run.Evaluations;
        int Left() => limit - (run.Evaluations - start);
        bool Spent() => Left() <= 0;
        // Resampling draws as many candidates as places are left and evaluates them as one batch (in parallel when
        // the run has workers): the same draws and the same journal as one at a time, since a batch never holds
        // more candidates than could still enter.
        for (int tries = 0; !shrink && population.Count < n && tries < n * ResampleLimit && !Spent() && !run.ShouldStop;)
        {
            int k = Math.Min(Math.Min(n - population.Count, n * ResampleLimit - tries), Left());
            var candidates = Enumerable.Range(0, k).Select(_ => Initialization.Sample(run.Space, Theta, random))
                .Select(c => run.Space.Clip(scaled ? Initialization.Scaled(run.Space, c, scale) : c)).ToArray();
            tries += k;
            var records = run.Evaluate(candidates, -1);
            for (int i = 0; i < records.Count; i++)
                if (records[i].Feasible) population.Add(candidates[i]);
            if (records.Count < k) break; // the run stopped
            // Scale: aim at half of each batch feasible (more feasible: draw bolder; fewer: closer to the original).
            if (scaled) scale = Math.Clamp(scale * (records.Count(r => r.Feasible) * 2 >= records.Count ? 1.25 : 0.6), 0.05, 1);
        }
        for (int tries = 0; shrink && population.Count < n && tries < n * ResampleLimit && !Spent() && !run.ShouldStop; tries++)
        {
            var candidate = run.Space.Clip(Initialization.Sample(run.Space, Theta, random));
            for (int halvings = 0; ; halvings++)
            {
                var records = run.Evaluate([candidate], -1);
                if (records.Count == 1 && records[0].Feasible) { population.Add(candidate); break; }
                if (records.Count == 0 || Spent()) break;
                if (halvings == ResampleLimit) { population.Add(run.Space.Identity); break; }
                candidate = Halfway(run.Space, candidate);
            }
        }
        if (population.Count == 0) population.Add(run.Space.Identity);
        while (population.Count < n) population.Add((double[])population[random.Next(population.Count)].Clone());
        return population.ToArray();
    }

    /// <summary>
    /// Evaluations the initial population may take: with a budget, what leaves the GA two generations' worth after
    /// the polish's share (at least one per member); without one, no limit but the paper's per-slot resampling bound.
    /// Measured: with 19 genes (D+Ps) and 500 evaluations, that bound alone spent all of them on redrawing
    /// infeasible samples and the GA never ran (docs/search.md, "The warm start and the budget").
    /// </summary>
    public static int InitialEvaluationLimit(SearchOptions options, int spent) =>
        options.Budget is { } budget ? Math.Max(options.Population, budget - spent - options.Polish - 2 * options.Population) : int.MaxValue;

    private static double[] Halfway(SearchSpace space, double[] genome) =>
        space.Clip(genome.Select((v, i) => (v + space.Genes[i].Identity) / 2).ToArray());
}
