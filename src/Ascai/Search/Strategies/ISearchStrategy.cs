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

/// <summary>The registry of strategies by name: a new strategy is one file and one line here.</summary>
public static class SearchStrategies
{
    private static readonly Dictionary<string, Func<ISearchStrategy>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ascai"] = () => new GeneticStrategy(),
        ["uniform"] = () => new UniformStrategy(),
        ["random"] = () => new RandomStrategy(),
        ["ddpg"] = () => new DdpgStrategy(),
    };

    /// <summary>Names accepted by <see cref="Create"/>.</summary>
    public static string[] Names => [.. Factories.Keys];

    /// <summary>A fresh strategy by name.</summary>
    public static ISearchStrategy Create(string name) => Factories.TryGetValue(name, out var create) ? create()
        : throw new SettingException(SettingException.Of<SearchConfig>(nameof(SearchConfig.Strategy)), $"'{name}' is not one of: {string.Join(", ", Names)}");
}
