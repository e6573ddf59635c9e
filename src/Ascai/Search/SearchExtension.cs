namespace Ascai.Search;

/// <summary>
/// How far a resumed run may go beyond its own settings: a larger budget, more generations, a longer time limit, a
/// longer patience. Only extensions: the journal must replay as it was written, so a setting that would end the run
/// before its journal does is refused. Null leaves a setting as the run had it. The fine-tuning after the search may
/// change freely: it reads the journal, it does not write it.
/// </summary>
public sealed record SearchExtension
{
    /// <summary>The fine-tuning after the search, replacing the run's (null: the run's own).</summary>
    public FineTuneOptions? FineTune { get; init; }
    /// <summary>Whether the resumed run fine-tunes nothing after the search, whatever the run said.</summary>
    public bool WithoutFineTune { get; init; }

    /// <summary>The fine-tuning the resumed run does after the search, given the run's own.</summary>
    public FineTuneOptions? FineTuneOf(FineTuneOptions? run) => WithoutFineTune ? null : FineTune ?? run;

    /// <summary>The new evaluation budget (at least the evaluations already made).</summary>
    public int? Budget { get; init; }
    /// <summary>The new wall-clock limit of the resumed part.</summary>
    public TimeSpan? TimeLimit { get; init; }
    /// <summary>The new number of generations (at least the run's).</summary>
    public int? Generations { get; init; }
    /// <summary>The new stagnation limit (at least the run's).</summary>
    public int? Stagnation { get; init; }

    /// <summary>Whether it changes nothing.</summary>
    public bool IsEmpty => Budget is null && TimeLimit is null && Generations is null && Stagnation is null && FineTune is null && !WithoutFineTune;

    /// <summary>The run's options extended; throws <see cref="SettingException"/> for a value that would shorten the run.</summary>
    /// <param name="options">The run's options.</param>
    /// <param name="done">Evaluations its journal holds.</param>
    public SearchOptions Apply(SearchOptions options, int done)
    {
        static string Key(string property) => SettingException.Of<SearchOptions>(property);
        if (Budget is { } budget && budget < done)
            throw new SettingException(Key(nameof(SearchOptions.Budget)), $"{budget} is below the {done} evaluations the run has already made");
        if (Generations is { } generations && generations < options.Generations)
            throw new SettingException(Key(nameof(SearchOptions.Generations)), $"{generations} is below the run's {options.Generations}: a resumed run can only go further");
        if (Stagnation is { } stagnation && (options.Stagnation is not { } old || stagnation < old))
            throw new SettingException(Key(nameof(SearchOptions.Stagnation)),
                $"{stagnation} would stop the run earlier than its own setting ({options.Stagnation?.ToString() ?? "none"}): a resumed run can only go further");
        return options with
        {
            Budget = Budget ?? options.Budget, TimeLimit = TimeLimit ?? options.TimeLimit,
            Generations = Generations ?? options.Generations, Stagnation = Stagnation ?? options.Stagnation,
        };
    }
}
