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

    /// <summary>
    /// Runs until the strategy is done, <see cref="SearchRun.ShouldStop"/> or <see cref="SearchRun.HandOver"/>; all
    /// randomness from <paramref name="random"/>.
    /// </summary>
    /// <returns>Why it ended on its own (generations done, stagnation, episodes), or null when it handed over or the run stopped it.</returns>
    string? Run(SearchRun run, Random random);
}

/// <summary>The registry of strategies by name: a new strategy is one file and one line here.</summary>
public static class SearchStrategies
{
    private static readonly Dictionary<string, Func<ISearchStrategy>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ascai"] = () => new GeneticStrategy(),
        ["uniform"] = () => new UniformStrategy(),
        ["global"] = () => new GlobalRankingStrategy(),
        ["random"] = () => new RandomStrategy(),
        ["ddpg"] = () => new DdpgStrategy(),
    };

    /// <summary>Names accepted by <see cref="Create"/>.</summary>
    public static string[] Names => [.. Factories.Keys];

    /// <summary>
    /// Runs <paramref name="strategy"/>, then, when the options ask for one, the compass polish of the best it found
    /// with the evaluations left (<see cref="SearchOptions.Polish"/>), and records why the run ended.
    /// </summary>
    public static void Run(ISearchStrategy strategy, SearchRun run, Random random)
    {
        string? end = strategy.Run(run, random);
        if (run.Options.Polish > 0 && !run.ShouldStop)
        {
            run.Phase = "polish";
            if (CompassPolish.Run(run, run.Options.Polish) is { } polished) end = end is null ? polished : $"{end}, then {polished}";
        }
        if (end is not null) run.Stop(end);
    }

    /// <summary>A fresh strategy by name.</summary>
    public static ISearchStrategy Create(string name) => Factories.TryGetValue(name, out var create) ? create()
        : throw new SettingException(SettingException.Of<SearchConfig>(nameof(SearchConfig.Strategy)), $"'{name}' is not one of: {string.Join(", ", Names)}");
}
