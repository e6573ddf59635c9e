using Ascai.Compression;
using Ascai.Cost;
using Ascai.Data;
using Ascai.Graph;
using Ascai.Quantization;

namespace Ascai.Evaluation;

/// <summary>
/// How a search's candidates are made and scored: which methods on which layers, how channels are ranked and what
/// fills a pruned one, how kept channels are rounded, whether batch-norm statistics are re-estimated, and which
/// engine runs the forward pass, how int8 layers are calibrated, and what a candidate's cost is counted in. The one place these defaults live: the search, its remote workers and the
/// benchmarks build their evaluators from it, and the command line's flags default to it.
/// </summary>
public sealed record EvaluationSpec
{
    /// <summary>pn, ps, d, d+ps, q, ps+q or d+ps+q.</summary>
    public string Methods { get; init; } = "ps";
    /// <summary>Glob patterns of layers to search (empty: all).</summary>
    public string[] Include { get; init; } = [];
    /// <summary>Glob patterns of layers to leave alone.</summary>
    public string[] Exclude { get; init; } = [];
    /// <summary>Channel ranking for ps: Taylor (measured on the search's images) or L1 (data-free).</summary>
    public ImportanceCriterion Importance { get; init; } = ImportanceCriterion.Taylor;
    /// <summary>
    /// What replaces a pruned channel: its least-squares estimate from the kept ones (linear; measured far more accurate
    /// without fine-tuning), its mean, or zero (the paper's).
    /// </summary>
    public PrunedChannelFill Fill { get; init; } = PrunedChannelFill.Linear;
    /// <summary>
    /// Channels kept by ps rounded up to a multiple of this (1 = exact, the paper's): CPU vector kernels run blocks of 8
    /// (AVX2) or 16 (AVX-512) channels, and odd counts made pruned models slower than the original
    /// (<see cref="ChannelPruning.DefaultMultiple"/>).
    /// </summary>
    public int ChannelMultiple { get; init; } = ChannelPruning.DefaultMultiple;
    /// <summary>
    /// Whether channel pruning also searches the channels layers share through residual sums (a ResNet stage's convs that
    /// feed its additions, pruned as one group; Torch-Pruning's dependency groups). Off: only the channels no sum ties.
    /// </summary>
    public bool CoupledResiduals { get; init; }
    /// <summary>
    /// Whether each ps gene takes only the ratios that make distinct models under <see cref="ChannelMultiple"/> (a
    /// 32-channel layer under multiple 8: 0, 0.25, 0.5, 0.75), so a mutation always changes the model; off: any ratio
    /// (the paper's continuous genes; ratios that round to the same channels share one evaluation).
    /// </summary>
    public bool DiscreteRatios { get; init; }
    /// <summary>Runtime of the candidates' forward passes (the accuracies are the same; only the speed differs).</summary>
    public EvaluationEngine Engine { get; init; } = EvaluationEngine.Auto;
    /// <summary>Calibration images each candidate's batch-norm statistics are re-estimated on (0: the original's, the paper's).</summary>
    public int BatchNormImages { get; init; }

    /// <summary>What a candidate's cost is counted in (null: the method set's own, <see cref="SearchSpace.DefaultCost"/>).</summary>
    public CostMetric? Cost { get; init; }
    /// <summary>Batch size of the latency a candidate costs under <see cref="CostMetric.Latency"/> (the table also times batch 1).</summary>
    public int LatencyBatch { get; init; } = 64;
    /// <summary>
    /// How a candidate with int8 layers is quantised before it is scored: its activation ranges are calibrated on this many
    /// training images, fewer than for a fixed model (calibrations of 128 to 2,000 images gave the same accuracy within
    /// 0.07 points), because every such candidate is calibrated anew.
    /// </summary>
    public Int8Options Quantization { get; init; } = new() { CalibrationImages = 256 };

    /// <summary>The paper's candidates: pruned channels zeroed, exact channel counts, continuous ratios, the original's batch-norm statistics.</summary>
    public EvaluationSpec Paper() => this with { Fill = PrunedChannelFill.Zero, ChannelMultiple = 1, DiscreteRatios = false, BatchNormImages = 0 };

    /// <summary>The largest channel multiple accepted: a block wider than any CPU kernel's would only forbid pruning.</summary>
    public const int MaxChannelMultiple = 256;

    private static string Key(string property) => SettingException.Of<EvaluationSpec>(property);

    /// <summary>Throws <see cref="SettingException"/> for values that make no sense.</summary>
    public void Validate()
    {
        if (!SearchSpace.MethodSets.Contains(Methods.ToLowerInvariant()))
            throw new SettingException(Key(nameof(Methods)), $"'{Methods}' is not one of: {string.Join(", ", SearchSpace.MethodSets)}");
        if (ChannelMultiple is < 1 or > MaxChannelMultiple)
            throw new SettingException(Key(nameof(ChannelMultiple)), $"must be between 1 and {MaxChannelMultiple} channels, got {ChannelMultiple}");
        if (Cost is { } cost && !Enum.IsDefined(cost)) throw new SettingException(Key(nameof(Cost)), $"'{cost}' is not a cost metric");
        if (Cost == CostMetric.Macs && Methods.Equals("pn", StringComparison.OrdinalIgnoreCase))
            throw new SettingException(Key(nameof(Cost)), "must be params for pn (it removes single weights, not MACs)");
        if (Quantization.Float32Layers.Length > 0)
            throw new SettingException(Key(nameof(Quantization)), "cannot keep layers in float32 in a search: the search chooses each layer's precision (leave a layer out of it with the exclude patterns)");
        Quantization.Validate();
        if (LatencyBatch is < 1 or > 4096) throw new SettingException(Key(nameof(LatencyBatch)), $"must be between 1 and 4096, got {LatencyBatch}");
        if (BatchNormImages is < 0 or > 100_000) throw new SettingException(Key(nameof(BatchNormImages)), $"must be between 0 and 100000 images, got {BatchNormImages}");
    }

    /// <summary>The genes this spec searches on <paramref name="graph"/>; throws <see cref="SettingException"/> when there are none.</summary>
    public SearchSpace Space(LayerGraph graph)
    {
        var space = SearchSpace.Build(graph, Methods, Include, Exclude, Cost, CoupledResiduals, DiscreteRatios ? ChannelMultiple : null);
        if (space.Genes.Count == 0)
            throw new SettingException(Key(nameof(Methods)),
                $"'{Methods}' finds no layer to search in this model (check {{{Key(nameof(Include))}}} and {{{Key(nameof(Exclude))}}})");
        return space;
    }

    /// <summary>The compression options of the candidates (with a fresh factorisation cache, or none).</summary>
    public CompressionContext Context(bool cacheFactors = true) => new()
    {
        Importance = Importance, Fill = Fill, ChannelMultiple = ChannelMultiple, BatchNormImages = BatchNormImages, Factors = cacheFactors ? new FactorCache() : null,
    };

    /// <summary>The evaluator of <paramref name="space"/>'s candidates of <paramref name="model"/> on <paramref name="data"/> (the caller disposes it).</summary>
    public CandidateEvaluator Evaluator(Model model, DatasetSplits data, SearchSpace space) => new(model, data, space, Context(), Engine, quantization: Quantization);
}
