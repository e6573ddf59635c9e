using System.Text.Json.Serialization;

using Ascai.Compression;
using Ascai.Data;
using Ascai.Evaluation;

namespace Ascai.Search;

/// <summary>
/// Everything that defines a search run, saved as <c>config.json</c> in its folder so that it can be resumed. The defaults
/// keep the user's promise on images the search never saw (<see cref="Defaults"/>); <see cref="Paper"/> is the paper's setting.
/// </summary>
public sealed record SearchConfig : IJsonOnDeserializing
{
    /// <summary>The one place the run's defaults live: the record's initialisers and the command line read them.</summary>
    public static class Defaults
    {
        /// <summary>
        /// Share of the held-out images kept to confirm the result on: under the paper's floor alone the returned models lost
        /// 1.1-1.3 test points for a 1-point floor (the winner's curse of choosing among hundreds of candidates on one set of
        /// images; docs/search.md, "The promise").
        /// </summary>
        public const double Confirmation = 0.5;
        /// <summary>Confidence of the one-sided bound on each candidate's drop that the floor applies to.</summary>
        public const double Confidence = 0.9;
        /// <summary>The allowed drop, in accuracy points below the original.</summary>
        public const double MaxDrop = 1.0;
    }

    /// <summary>
    /// The paper's setting: the floor on the point estimate of every held-out image, no confirmation, no fine-tuning,
    /// every genome its own evaluation scored to the last image, and the paper's search (<see cref="SearchOptions.Paper"/>)
    /// and candidates (<see cref="EvaluationSpec.Paper"/>).
    /// </summary>
    public SearchConfig Paper() => this with
    {
        Confirmation = 0, Confidence = null, FineTune = null, DistinctModels = false, EarlyRejection = false,
        Options = Options.Paper(), Evaluation = Evaluation.Paper(),
    };

    // A run folder written before the promise was on by default has no confidence and no fine-tuning in its config.json
    // where it ran without them: it resumes as it was searched.
    void IJsonOnDeserializing.OnDeserializing() => (_confidence, _fineTune) = (null, null);

    /// <summary>Model file (absolute path).</summary>
    public required string Model { get; init; }
    /// <summary>Which data set, where, and which of its images are the validation images.</summary>
    public DataOptions Data { get; init; } = new();

    /// <summary>How candidates are made and scored: methods, layers, importance, fill, channel rounding, engine.</summary>
    public EvaluationSpec Evaluation { get; init; } = new();

    // Run folders written before the data and evaluation settings had records of their own keep them at the top level;
    // they were written before confirmation, confidence bounds, distinct models and early rejection too, and before
    // the defaults became linear fill and multiples of 8 channels: they keep the run they were searched with.
    [JsonInclude, JsonPropertyName("dataset")] private string LegacyDataset
    {
        init
        {
            Data = Data with { Dataset = value };
            Evaluation = Evaluation with { Fill = PrunedChannelFill.Mean, ChannelMultiple = 1 };
            (Confirmation, Confidence, DistinctModels, EarlyRejection) = (0, null, false, false);
        }
    }
    [JsonInclude, JsonPropertyName("methods")] private string LegacyMethods { init => Evaluation = Evaluation with { Methods = value }; }
    [JsonInclude, JsonPropertyName("include")] private string[] LegacyInclude { init => Evaluation = Evaluation with { Include = value }; }
    [JsonInclude, JsonPropertyName("exclude")] private string[] LegacyExclude { init => Evaluation = Evaluation with { Exclude = value }; }
    [JsonInclude, JsonPropertyName("importance")] private ImportanceCriterion LegacyImportance { init => Evaluation = Evaluation with { Importance = value }; }
    [JsonInclude, JsonPropertyName("fill")] private PrunedChannelFill LegacyFill { init => Evaluation = Evaluation with { Fill = value }; }
    [JsonInclude, JsonPropertyName("channelMultiple")] private int LegacyChannelMultiple { init => Evaluation = Evaluation with { ChannelMultiple = value }; }
    [JsonInclude, JsonPropertyName("engine")] private EvaluationEngine LegacyEngine { init => Evaluation = Evaluation with { Engine = value }; }
    [JsonInclude, JsonPropertyName("dataDir")] private string? LegacyDataDir { init => Data = Data with { DataDir = value }; }
    [JsonInclude, JsonPropertyName("validationSize")] private int? LegacyValidationSize { init => Data = Data with { ValidationSize = value }; }

    /// <summary>Accuracy floor in percent; or null to derive it from <see cref="MaxDrop"/>.</summary>
    public double? AccThreshold { get; init; }
    /// <summary>Points below the base validation accuracy allowed (default 1).</summary>
    public double? MaxDrop { get; init; }
    /// <summary>
    /// The other question: the most accurate model whose cost (in the run's cost metric) is at most this share of the
    /// original's, e.g. 0.5 (null: the cheapest model within <see cref="MaxDrop"/>, the default question). The same search
    /// and evaluator, the constraint on cost instead of accuracy; the accuracy stated is then the confirmation images'.
    /// </summary>
    public double? TargetCost { get; init; }
    /// <summary>Strategy name.</summary>
    public string Strategy { get; init; } = "ascai";
    /// <summary>Input normalisation given with the model (--mean / --std), or null: the model's own, or the data set's for ONNX.</summary>
    public Ascai.Graph.Normalization? Normalization { get; init; }
    /// <summary>GA settings, budgets and seed.</summary>
    public SearchOptions Options { get; init; } = new();

    /// <summary>
    /// Fine-tuning of the front's cheapest near misses after the search, where the data has training images (null: none,
    /// the paper's search stops before it).
    /// </summary>
    public FineTuneOptions? FineTune { get => _fineTune; init => _fineTune = value; }
    private FineTuneOptions? _fineTune = new();

    /// <summary>
    /// Candidates at about the returned model's cost fine-tuned for one epoch to tell how well the search's ranking predicts
    /// fine-tuned accuracy (0: none; <see cref="FrontFineTuning.Probe"/>).
    /// </summary>
    public int Probe { get; init; }

    /// <summary>
    /// Whether two genomes that decode to the same model (the same kept channels, ranks, pruned counts) share one
    /// evaluation and one unit of the budget; false (run folders written before) keys evaluations on the genome.
    /// </summary>
    public bool DistinctModels { get; init; } = true;

    /// <summary>
    /// Whether a candidate stops being scored once its errors put the floor out of reach: the feasibility decision is
    /// exact, the accuracy recorded for it is the best it could still have reached.
    /// </summary>
    public bool EarlyRejection { get; init; } = true;

    /// <summary>
    /// Share of the held-out images kept from the search (drawn with the search's seed): the non-dominated candidates
    /// are re-scored on them at the end, from the most accurate down, and the result is the cheapest reached before the first
    /// that misses the floor there (<see cref="FrontConfirmation"/>). 0: none (the paper's).
    /// </summary>
    public double Confirmation { get; init; } = Defaults.Confirmation;

    /// <summary>
    /// Confidence of the one-sided bound on a candidate's drop that the floor is applied to (<see cref="AccuracyFloor"/>),
    /// e.g. 0.9; null applies it to the point estimate (the paper's).
    /// </summary>
    public double? Confidence { get => _confidence; init => _confidence = value; }
    private double? _confidence = Defaults.Confidence;

    /// <summary>
    /// Throws <see cref="SettingException"/> for any setting that cannot be used, or any combination that cannot: everything
    /// that can be known without reading the model or the data, so a mistake is reported before any work starts.
    /// </summary>
    public void Validate()
    {
        static string Key(string property) => SettingException.Of<SearchConfig>(property);
        Options.Validate();
        if (string.IsNullOrWhiteSpace(Model)) throw new SettingException(Key(nameof(Model)), "is required");
        if (!Strategies.SearchStrategies.Names.Contains(Strategy.ToLowerInvariant()))
            throw new SettingException(Key(nameof(Strategy)), $"'{Strategy}' is not one of: {string.Join(", ", Strategies.SearchStrategies.Names)}");
        Evaluation.Validate();
        Data.Validate();
        if (AccThreshold is not null && MaxDrop is not null)
            throw new SettingException(Key(nameof(AccThreshold)), $"and {{{Key(nameof(MaxDrop))}}} both set the accuracy floor: give one");
        if (MaxDrop is { } drop && !(drop >= 0 && drop < 100))
            throw new SettingException(Key(nameof(MaxDrop)), $"must be in [0, 100) accuracy points, got {drop}");
        if (AccThreshold is { } threshold && !(threshold > 0 && threshold <= 100))
            throw new SettingException(Key(nameof(AccThreshold)), $"must be in (0, 100] percent, got {threshold}");
        Normalization?.Validate(Key(nameof(Normalization)));
        if (!(Confirmation >= 0 && Confirmation <= 0.9)) throw new SettingException(Key(nameof(Confirmation)), $"must be a share in [0, 0.9] of the held-out images, got {Confirmation}");
        if (Confidence is { } c && !(c >= 0.5 && c < 1)) throw new SettingException(Key(nameof(Confidence)), $"must be in [0.5, 1), got {c}");
        if (TargetCost is { } target)
        {
            if (!(target > 0 && target < 1)) throw new SettingException(Key(nameof(TargetCost)), $"must be a share of the original's cost in (0, 1), got {target}");
            if (AccThreshold is not null || MaxDrop is not null)
                throw new SettingException(Key(nameof(TargetCost)), $"asks for the most accurate model at a cost; {{{Key(AccThreshold is not null ? nameof(AccThreshold) : nameof(MaxDrop))}}} asks for the cheapest at an accuracy: give one");
        }
        if (Probe is < 0 or > 100) throw new SettingException(Key(nameof(Probe)), $"must be between 0 and 100 candidates, got {Probe}");
        if (Probe == 1) throw new SettingException(Key(nameof(Probe)), "needs at least 2 candidates to rank");
        FineTune?.Validate();
        if (Strategy.Equals("global", StringComparison.OrdinalIgnoreCase) && !Evaluation.Methods.Equals("ps", StringComparison.OrdinalIgnoreCase))
            throw new SettingException(Key(nameof(Strategy)), $"global ranks channels: it prunes with ps only, not {Evaluation.Methods} ({{{SettingException.Of<EvaluationSpec>(nameof(EvaluationSpec.Methods))}}})");
        if (Strategy.Equals("ascai", StringComparison.OrdinalIgnoreCase) && Options.Budget is { } budget && Options.Population > budget)
            throw new SettingException(SettingException.Of<SearchOptions>(nameof(SearchOptions.Population)),
                $"({Options.Population}) exceeds {{{SettingException.Of<SearchOptions>(nameof(SearchOptions.Budget))}}} ({budget}): not even the initial population could be evaluated");
    }

    /// <summary>The floor for a model of base accuracy <paramref name="baseAccuracy"/>; throws for one that no model or every model meets.</summary>
    public double Floor(double baseAccuracy)
    {
        double floor = AccThreshold ?? baseAccuracy - (MaxDrop ?? Defaults.MaxDrop);
        if (floor > baseAccuracy)
            throw new AscaiException($"accuracy floor {floor:F2}% is above the model's own validation accuracy ({baseAccuracy:F2}%)");
        if (floor <= 0)
            throw new SettingException(SettingException.Of<SearchConfig>(MaxDrop is null && AccThreshold is not null ? nameof(AccThreshold) : nameof(MaxDrop)),
                $"puts the accuracy floor at {floor:F2}%, which every model meets (the model's validation accuracy is {baseAccuracy:F2}%)");
        return floor;
    }
}
