using System.Text.Json.Serialization;
using Ascai.Compression;
using Ascai.Data;

namespace Ascai.Search;

/// <summary>Everything that defines a search run, saved as <c>config.json</c> in its folder so that it can be resumed.</summary>
public sealed record SearchConfig
{
    /// <summary>Model file (absolute path).</summary>
    public required string Model { get; init; }
    /// <summary>Which data set, where, and which of its images are the validation images.</summary>
    public DataOptions Data { get; init; } = new();

    // Run folders written before the data settings had a record of their own keep these three at the top level.
    [JsonInclude, JsonPropertyName("dataset")] private string LegacyDataset { init => Data = Data with { Dataset = value }; }
    [JsonInclude, JsonPropertyName("dataDir")] private string? LegacyDataDir { init => Data = Data with { DataDir = value }; }
    [JsonInclude, JsonPropertyName("validationSize")] private int? LegacyValidationSize { init => Data = Data with { ValidationSize = value }; }

    /// <summary>pn, ps, d or d+ps.</summary>
    public string Methods { get; init; } = "ps";
    /// <summary>Glob patterns of layers to search (empty: all).</summary>
    public string[] Include { get; init; } = [];
    /// <summary>Glob patterns of layers to leave alone.</summary>
    public string[] Exclude { get; init; } = [];
    /// <summary>Accuracy floor in percent; or null to derive it from <see cref="MaxDrop"/>.</summary>
    public double? AccThreshold { get; init; }
    /// <summary>Points below the base validation accuracy allowed (default 1).</summary>
    public double? MaxDrop { get; init; }
    /// <summary>Strategy name.</summary>
    public string Strategy { get; init; } = "ascai";
    /// <summary>Channel importance for ps.</summary>
    public ImportanceCriterion Importance { get; init; } = ImportanceCriterion.Taylor;
    /// <summary>What replaces a pruned channel (ps): its mean by default (measured: far more accurate without fine-tuning); zero is the paper's.</summary>
    public PrunedChannelFill Fill { get; init; } = PrunedChannelFill.Mean;
    /// <summary>Input normalisation given with the model (--mean / --std), or null: the model's own, or the data set's for ONNX.</summary>
    public Ascai.Graph.Normalization? Normalization { get; init; }
    /// <summary>
    /// Channels kept by ps rounded up to a multiple of this (1 = exact). 1 when absent, as in the run folders written
    /// before the option existed; the command line passes <see cref="ChannelPruning.DefaultMultiple"/>.
    /// </summary>
    public int ChannelMultiple { get; init; } = 1;
    /// <summary>Runtime of the candidates' forward passes (the accuracies are the same; only the speed differs).</summary>
    public Ascai.Evaluation.EvaluationEngine Engine { get; init; } = Ascai.Evaluation.EvaluationEngine.Auto;
    /// <summary>GA settings, budgets and seed.</summary>
    public SearchOptions Options { get; init; } = new();

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
        if (!SearchSpace.MethodSets.Contains(Methods.ToLowerInvariant()))
            throw new SettingException(Key(nameof(Methods)), $"'{Methods}' is not one of: {string.Join(", ", SearchSpace.MethodSets)}");
        Data.Validate();
        if (AccThreshold is not null && MaxDrop is not null)
            throw new SettingException(Key(nameof(AccThreshold)), $"and {{{Key(nameof(MaxDrop))}}} both set the accuracy floor: give one");
        if (MaxDrop is { } drop && !(drop >= 0 && drop < 100))
            throw new SettingException(Key(nameof(MaxDrop)), $"must be in [0, 100) accuracy points, got {drop}");
        if (AccThreshold is { } threshold && !(threshold > 0 && threshold <= 100))
            throw new SettingException(Key(nameof(AccThreshold)), $"must be in (0, 100] percent, got {threshold}");
        if (ChannelMultiple < 1) throw new SettingException(Key(nameof(ChannelMultiple)), $"must be at least 1, got {ChannelMultiple}");
        Normalization?.Validate(Key(nameof(Normalization)));
        if (Strategy.Equals("ascai", StringComparison.OrdinalIgnoreCase) && Options.Budget is { } budget && Options.Population > budget)
            throw new SettingException(SettingException.Of<SearchOptions>(nameof(SearchOptions.Population)),
                $"({Options.Population}) exceeds {{{SettingException.Of<SearchOptions>(nameof(SearchOptions.Budget))}}} ({budget}): not even the initial population could be evaluated");
    }

    /// <summary>The floor for a model of base accuracy <paramref name="baseAccuracy"/>; throws for one that no model or every model meets.</summary>
    public double Floor(double baseAccuracy)
    {
        double floor = AccThreshold ?? baseAccuracy - (MaxDrop ?? 1.0);
        if (floor > baseAccuracy)
            throw new AscaiException($"accuracy floor {floor:F2}% is above the model's own validation accuracy ({baseAccuracy:F2}%)");
        if (floor <= 0)
            throw new SettingException(SettingException.Of<SearchConfig>(MaxDrop is null && AccThreshold is not null ? nameof(AccThreshold) : nameof(MaxDrop)),
                $"puts the accuracy floor at {floor:F2}%, which every model meets (the model's validation accuracy is {baseAccuracy:F2}%)");
        return floor;
    }
}

/// <summary>One model's numbers in a summary.</summary>
public sealed record SummaryModel
{
    /// <summary>Validation accuracy (percent).</summary>
    public double ValAccuracy { get; init; }
    /// <summary>Test accuracy (percent).</summary>
    public double TestAccuracy { get; init; }
    /// <summary>MACs per image.</summary>
    public long Macs { get; init; }
    /// <summary>MACs relative to the baseline.</summary>
    public double MacsRatio { get; init; } = 1;
    /// <summary>Parameters (non-zero for pn).</summary>
    public long Params { get; init; }
    /// <summary>The genome (best only).</summary>
    public double[]? Genome { get; init; }
    /// <summary>The per-layer settings it stands for, as JSON (best only).</summary>
    public string? Settings { get; init; }
}

/// <summary>What a run found: <c>summary.json</c>.</summary>
public sealed record SearchSummary
{
    /// <summary>The uncompressed model.</summary>
    public required SummaryModel Baseline { get; init; }
    /// <summary>The best feasible individual, or null when none met the floor.</summary>
    public SummaryModel? Best { get; init; }
    /// <summary>Accuracy floor (percent).</summary>
    public double AccThreshold { get; init; }
    /// <summary>Distinct evaluations.</summary>
    public int Evaluations { get; init; }
    /// <summary>Wall-clock seconds of the last (or only) part of the run.</summary>
    public double WallSeconds { get; init; }
    /// <summary>Strategy.</summary>
    public string Strategy { get; init; } = "";
    /// <summary>Method set.</summary>
    public string Methods { get; init; } = "";
    /// <summary>Seed.</summary>
    public int Seed { get; init; }
    /// <summary>Why the run stopped.</summary>
    public string StopReason { get; init; } = "";
    /// <summary>The runtime that evaluated the candidates (for auto: the one it chose; empty if it had not chosen yet).</summary>
    public string Engine { get; init; } = "";
    /// <summary>Candidates evaluated at once in the last part of the run.</summary>
    public int Workers { get; init; } = 1;
    /// <summary>Number of genes.</summary>
    public int Genes { get; init; }
    /// <summary>The non-dominated (cost, validation accuracy) evaluations: index, MACs, params, accuracy.</summary>
    public List<double[]> ParetoFront { get; init; } = [];
    /// <summary>How the validation images were chosen.</summary>
    public string Split { get; init; } = "";
    /// <summary>What the user should know before trusting the result (e.g. validation images that may have been trained on).</summary>
    public List<string> Warnings { get; init; } = [];
}
