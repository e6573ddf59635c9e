using Ascai.Compression;
namespace Ascai.Search.Strategies;

/// <summary>
/// The uniform baseline: one compression level u for every layer, swept from 0 (nothing) to 1 (the most each gene
/// allows): ratio genes = u * max, bin genes = the allowed bin at quantile 1 - u. The sweep uses the whole budget
/// (at most <see cref="MaxSteps"/> levels, evenly spaced), through the same evaluator as the search.
/// </summary>
public sealed class UniformStrategy : ISearchStrategy
{
    /// <summary>Finest sweep without a budget.</summary>
    public const int MaxSteps = 200;

    /// <inheritdoc/>
    public string Name => "uniform";

    /// <summary>The genome of level <paramref name="u"/> in [0, 1].</summary>
    public static double[] Level(SearchSpace space, double u) => space.Genes.Select(g => g.AtLevel(u)).ToArray();

    /// <inheritdoc/>
    public string? Run(SearchRun run, Random random)
    {
        int steps = Math.Min(run.Options.Budget ?? MaxSteps, MaxSteps);
        run.Phase = "sweep";
        for (int k = 0; k < steps && !run.ShouldStop && !run.HandOver; k++)
            run.Evaluate([Level(run.Space, steps == 1 ? 1 : (double)k / (steps - 1))], k);
        return run.HandOver ? null : $"sweep done ({steps} levels)";
    }
}
