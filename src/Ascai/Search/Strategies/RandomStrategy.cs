namespace Ascai.Search.Strategies;

/// <summary>The random baseline: genomes uniform over each gene's whole range, in batches of the population size, until a budget stops it.</summary>
public sealed class RandomStrategy : ISearchStrategy
{
    /// <inheritdoc/>
    public string Name => "random";

    /// <inheritdoc/>
    public void Run(SearchRun run, Random random)
    {
        run.Phase = "random";
        int batches = run.Options.Budget is null ? run.Options.Generations : int.MaxValue;
        for (int b = 0; b < batches && !run.ShouldStop; b++)
            run.Evaluate(Enumerable.Range(0, run.Options.Population).Select(_ => Initialization.Sample(run.Space, null, random)).ToArray(), b);
        run.Stop(run.StopReason ?? $"batches ({batches})");
    }
}
