namespace Ascai.Search;

/// <summary>How the initial population is drawn (method.md section 3).</summary>
public enum InitMode
{
    /// <summary>From the per-layer threshold vector theta (the paper's).</summary>
    Warm,
    /// <summary>Uniform over each gene's whole range (the ablation).</summary>
    Naive,
}

/// <summary>What the warm start does with a sampled individual below the floor.</summary>
public enum InitRepair
{
    /// <summary>Draw a new one (the paper's; bounded per slot by <see cref="Strategies.GeneticStrategy.ResampleLimit"/>).</summary>
    Resample,
    /// <summary>Halve its distance to the uncompressed genome until it is feasible: keeps every slot's own direction, costs fewer evaluations.</summary>
    Shrink,
    /// <summary>
    /// Draw again, with every gene's draw scaled toward the original by a factor that adapts batch by batch to the share
    /// that came out feasible (more than half: bolder; less: more cautious), so that a warm start over many genes, whose
    /// independent draws rarely stay feasible together, does not spend the budget on redrawing them.
    /// </summary>
    Scale,
}

/// <summary>How selection treats individuals below the accuracy floor.</summary>
public enum ConstraintHandling
{
    /// <summary>They compete through Eq. 4's penalty only (the paper's).</summary>
    Penalty,
    /// <summary>They are never selected while the population holds one above the floor (Deb's feasibility rule).</summary>
    Strict,
}

/// <summary>How the genetic algorithm draws parents.</summary>
public enum SelectionScheme
{
    /// <summary>Min-normalised fitness-proportional, with replacement (the paper's).</summary>
    Proportional,
    /// <summary>The best of a few individuals drawn at random: only the scores' order matters.</summary>
    Tournament,
}

/// <summary>
/// Settings of a search. The defaults are method.md's, except where measurement showed the paper's choice costs the user
/// (<see cref="Defaults"/>); <see cref="Paper"/> gives the paper's own.
/// </summary>
public sealed record SearchOptions : System.Text.Json.Serialization.IJsonOnDeserializing
{
    /// <summary>The one place the search's defaults live: the record's initialisers and the command line read them.</summary>
    public static class Defaults
    {
        /// <summary>Population size N.</summary>
        public const int Population = 50;
        /// <summary>Generations T.</summary>
        public const int Generations = 50;
        /// <summary>Probability that an adjacent pair is crossed.</summary>
        public const double CrossoverProbability = 0.8;
        /// <summary>Probability that a crossed pair swaps each element.</summary>
        public const double SwapProbability = 0.2;
        /// <summary>Probability that an individual is mutated.</summary>
        public const double MutationProbability = 0.8;
        /// <summary>Probability that a mutated individual's element is tweaked.</summary>
        public const double TweakProbability = 0.05;
        /// <summary>
        /// The scaled repair: the paper's resampling spent up to 500 of 600 evaluations filling the population of a
        /// ResNet-20 with coupled residuals, leaving the genetic algorithm five generations (docs/search.md, "The warm start").
        /// </summary>
        public const InitRepair InitRepair = Search.InitRepair.Scale;
        /// <summary>Contestants per tournament.</summary>
        public const int TournamentSize = 2;
    }

    /// <summary>The paper's settings where the defaults differ from them (the resampling warm start, gains penalised).</summary>
    public SearchOptions Paper() => this with { InitRepair = InitRepair.Resample, PenalizeGains = true };

    /// <summary>Population size N.</summary>
    public int Population { get; init; } = Defaults.Population;
    /// <summary>Generations T.</summary>
    public int Generations { get; init; } = Defaults.Generations;
    /// <summary>Probability that an adjacent pair is crossed.</summary>
    public double CrossoverProbability { get; init; } = Defaults.CrossoverProbability;
    /// <summary>Probability that a crossed pair swaps each element.</summary>
    public double SwapProbability { get; init; } = Defaults.SwapProbability;
    /// <summary>Probability that an individual is mutated.</summary>
    public double MutationProbability { get; init; } = Defaults.MutationProbability;
    /// <summary>Probability that a mutated individual's element is tweaked.</summary>
    public double TweakProbability { get; init; } = Defaults.TweakProbability;
    /// <summary>Standard deviation of a continuous tweak.</summary>
    public double Sigma { get; init; } = 0.2;
    /// <summary>Initialization.</summary>
    public InitMode Init { get; init; } = InitMode.Warm;
    /// <summary>How an infeasible warm sample is replaced.</summary>
    public InitRepair InitRepair { get; init; } = Defaults.InitRepair;
    /// <summary>Score form.</summary>
    public ScoreForm Score { get; init; } = ScoreForm.Ascai;
    /// <summary>
    /// Whether the score penalises a candidate for being more accurate than the original, as the paper's |acc_o - acc_v|
    /// does (<see cref="ScoreFunction"/>); by default only a loss is penalised.
    /// </summary>
    public bool PenalizeGains { get => _penalizeGains; init => _penalizeGains = value; }
    private bool _penalizeGains;

    // A run folder written before gains could go unpenalised has no such setting: it replays as it was searched.
    void System.Text.Json.Serialization.IJsonOnDeserializing.OnDeserializing() => _penalizeGains = true;
    /// <summary>How selection treats individuals below the floor.</summary>
    public ConstraintHandling Constraint { get; init; } = ConstraintHandling.Penalty;
    /// <summary>How parents are drawn.</summary>
    public SelectionScheme Selection { get; init; } = SelectionScheme.Proportional;
    /// <summary>Contestants per tournament under <see cref="SelectionScheme.Tournament"/>.</summary>
    public int TournamentSize { get; init; } = Defaults.TournamentSize;
    /// <summary>Evaluation budget (distinct genomes evaluated, threshold search included); null = none.</summary>
    public int? Budget { get; init; }
    /// <summary>Wall-clock budget; null = none.</summary>
    public TimeSpan? TimeLimit { get; init; }
    /// <summary>Stop after this many generations without a better best feasible score; null = never.</summary>
    public int? Stagnation { get; init; }
    /// <summary>Seed of every random choice.</summary>
    public int Seed { get; init; }
    /// <summary>
    /// Evaluations given to a compass-search polish of the best feasible individual after the strategy, whichever it is
    /// (<see cref="Strategies.CompassPolish"/>; 0 = none, the paper's). With a budget, the strategy hands over once at
    /// most this many evaluations remain (<see cref="SearchRun.HandOver"/>).
    /// </summary>
    public int Polish { get; init; }
    /// <summary>Bisection resolution of the ratio thresholds.</summary>
    public double ThresholdResolution { get; init; } = 0.01;
    /// <summary>Settings of the DDPG strategy (AMC's agent).</summary>
    public Strategies.DdpgOptions Ddpg { get; init; } = new();

    /// <summary>Largest population accepted: every member is a genome held in memory and evaluated each generation.</summary>
    public const int MaxPopulation = 10_000;

    /// <summary>Throws <see cref="SettingException"/> for values that make no sense, before any work starts.</summary>
    public void Validate()
    {
        static string Key(string property) => SettingException.Of<SearchOptions>(property);
        foreach (var (name, p) in new[] { (nameof(CrossoverProbability), CrossoverProbability), (nameof(SwapProbability), SwapProbability),
                     (nameof(MutationProbability), MutationProbability), (nameof(TweakProbability), TweakProbability) })
            if (!(p >= 0 && p <= 1)) throw new SettingException(Key(name), $"must be a probability in [0, 1], got {p}");
        if (Population is < 2 or > MaxPopulation) throw new SettingException(Key(nameof(Population)), $"must be between 2 and {MaxPopulation:N0}, got {Population}");
        if (Generations < 1) throw new SettingException(Key(nameof(Generations)), $"must be at least 1, got {Generations}");
        if (!(Sigma > 0) || double.IsInfinity(Sigma)) throw new SettingException(Key(nameof(Sigma)), $"must be a positive number, got {Sigma}");
        if (Budget is < 1) throw new SettingException(Key(nameof(Budget)), $"must be at least 1, got {Budget}");
        if (TimeLimit is { } t && t <= TimeSpan.Zero) throw new SettingException(Key(nameof(TimeLimit)), $"must be positive, got {t}");
        if (Polish < 0) throw new SettingException(Key(nameof(Polish)), $"must be at least 0, got {Polish}");
        if (Budget is { } b && Polish >= b) throw new SettingException(Key(nameof(Polish)), $"({Polish}) must be below {{{Key(nameof(Budget))}}} ({b})");
        if (TournamentSize < 2) throw new SettingException(Key(nameof(TournamentSize)), $"must be at least 2, got {TournamentSize}");
        if (TournamentSize > Population) throw new SettingException(Key(nameof(TournamentSize)), $"({TournamentSize}) cannot exceed {{{Key(nameof(Population))}}} ({Population}): a tournament draws distinct members");
        if (Stagnation is < 1) throw new SettingException(Key(nameof(Stagnation)), $"must be at least 1, got {Stagnation}");
        if (!(ThresholdResolution > 0 && ThresholdResolution < 1)) throw new SettingException(Key(nameof(ThresholdResolution)), $"must be in (0, 1), got {ThresholdResolution}");
        Ddpg.Validate();
    }
}
