namespace Ascai.Search.Strategies;

/// <summary>
/// A way of choosing genomes to evaluate. Strategies only propose genomes and read back records through the
/// <see cref="SearchRun"/>, which owns evaluation, caching, the journal and the budgets: an RL agent (AMC's DDPG)
/// or another sampler plugs in here without touching the rest.
/// </summary>
public interface ISearchStrategy
{
    /// <summary>Name used on the command line and in summaries.</summary>
    string Name { get; }

    /// <summary>Runs until the strategy is done or <see cref="SearchRun.ShouldStop"/>; all randomness from <paramref name="random"/>.</summary>
    void Run(SearchRun run, Random random);
}

/// <summary>The strategies by name.</summary>
public static class SearchStrategies
{
    /// <summary>Names accepted by <see cref="Create"/>.</summary>
    public static readonly string[] Names = ["ascai", "uniform", "random"];

    /// <summary>A strategy by name.</summary>
    public static ISearchStrategy Create(string name) => name.ToLowerInvariant() switch
    {
        "ascai" or "ga" => new GeneticStrategy(),
        "uniform" => new UniformStrategy(),
        "random" => new RandomStrategy(),
        _ => throw new SettingException(SettingException.Of<SearchConfig>(nameof(SearchConfig.Strategy)), $"'{name}' is not one of: {string.Join(", ", Names)}"),
    };
}
