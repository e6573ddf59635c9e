namespace Ascai.Search.Strategies;

/// <summary>The random baseline: genomes uniform over each gene's whole range, in batches of the population size, until a budget stops it.</summary>
public sealed class RandomStrategy : ISearchStrategy
{
    /// <inheritdoc/>
    public string Name => "random";

    /// <inheritdoc/>
    public string? Run(SearchRun run, Random random)
    {
        run.Phase = "random";
        int batches = run.Options.Budget is null ? run.Options.Generations : int.MaxValue;
        for (int b = 0; b < batches && !run.ShouldStop && !run.HandOver; b++)
            run.Evaluate(Enumerable.Range(0, run.Options.Population).Select(_ => Initialization.Sample(run.Space, null, random)).ToArray(), b);
        return run.HandOver ? null : $"batches ({batches})";
    }
}
