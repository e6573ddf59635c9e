using Ascai.Data;

namespace Ascai.Compression;

/// <summary>Which channel-importance criterion structured pruning ranks channels by.</summary>
public enum ImportanceCriterion
{
    /// <summary>Molchanov et al.'s first-order Taylor criterion: per image, |d loss / d mask_c|, summed over the validation images.</summary>
    Taylor,
    /// <summary>L1 norm of the producing layer's filter for the channel (data-free).</summary>
    L1,
}

/// <summary>What structured pruning leaves in place of a pruned channel.</summary>
public enum PrunedChannelFill
{
    /// <summary>Zero: the channel is removed and nothing else changes (the paper).</summary>
    Zero,
    /// <summary>Its mean activation on the validation images, folded into the consumers' biases (<see cref="MeanCompensation"/>).</summary>
    Mean,
    /// <summary>
    /// Its least-squares estimate from the channels its layer keeps plus a constant, fitted on the calibration images
    /// and folded into the consumers' weights and biases (<see cref="LinearCompensation"/>).
    /// </summary>
    Linear,
}

/// <summary>What compression methods may need besides the graph: data for importance and channel means, and options.</summary>
public sealed record CompressionContext
{
    /// <summary>Data whose validation split scores channel importance (required for <see cref="ImportanceCriterion.Taylor"/>).</summary>
    public DatasetSplits? Data { get; init; }
    /// <summary>Input normalisation of the model.</summary>
    public Ascai.Graph.Normalization? Normalization { get; init; }
    /// <summary>Channel-importance criterion for structured pruning.</summary>
    public ImportanceCriterion Importance { get; init; } = ImportanceCriterion.Taylor;
    /// <summary>
    /// What replaces a pruned channel in its consumers. Zero here, because a context without data cannot measure
    /// moments; a search's candidates get the fill of its evaluation specification.
    /// </summary>
    public PrunedChannelFill Fill { get; init; } = PrunedChannelFill.Zero;
    /// <summary>Channels kept by structured pruning are rounded up to a multiple of this (1 = exact floor(p * C)).</summary>
    public int ChannelMultiple { get; init; } = 1;
    /// <summary>Refine Tucker-2 factors with this many HOOI iterations (0 = plain HOSVD).</summary>
    public int HooiIterations { get; init; }
    /// <summary>
    /// Re-estimate the batch-norm statistics of each compressed model on this many calibration images
    /// (<see cref="BatchNormReestimation"/>; 0 = keep the original model's).
    /// </summary>
    public int BatchNormImages { get; init; }
    /// <summary>
    /// Where decompositions keep each layer's full factorisation to slice it per rank (null = factorise every time).
    /// Copies of a context made with <c>with</c> share it.
    /// </summary>
    public FactorCache? Factors { get; init; } = new();

    private IReadOnlyDictionary<string, float[]>? _importance;
    private Dictionary<string, ChannelMoments>? _moments;
    private PrunedChannelFill _momentsFor; // which images they were measured on depends on the fill (a copy made with `with` may change it)
    private Ascai.Graph.LayerGraph? _preparedFor;

    /// <summary>
    /// Measures what structured pruning needs (importance, and channel moments to fill pruned channels with)
    /// on <paramref name="graph"/> as it is, before anything is decomposed or pruned, so that later calls on
    /// compressed copies reuse these numbers.
    /// </summary>
    public void Prepare(Ascai.Graph.LayerGraph graph)
    {
        // Compressor.Apply prepares before every plan: a search must not copy the whole model per candidate for it.
        if (ReferenceEquals(graph, _preparedFor)) return;
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var masked = graph.Clone();
        MaskPlacement.EnsureAll(masked);
        ImportanceOf(masked);
        if (Fill != PrunedChannelFill.Zero) Moments(masked);
        _preparedFor = graph;
    }

    private (Ascai.Data.DatasetSplits? Data, int Images, List<(float[] Values, long[] Shape)> Batches)? _reestimation;
    private readonly Lock _reestimationLock = new();

    /// <summary>
    /// The first <see cref="BatchNormImages"/> calibration images (training images, never the validation ones), normalised
    /// once and kept as arrays in batches of 128 for <see cref="BatchNormReestimation"/> (tensors are made per use, in
    /// the caller's scope, so a context owns no native memory).
    /// </summary>
    public IReadOnlyList<(float[] Values, long[] Shape)> ReestimationBatches()
    {
        lock (_reestimationLock)
        {
            if (_reestimation is { } known && ReferenceEquals(known.Data, Data) && known.Images == BatchNormImages) return known.Batches;
            if (Data is null || Normalization is null)
                throw new SettingException(SettingException.Of<CompressionContext>(nameof(BatchNormImages)), "needs a data set to re-estimate batch-norm statistics on");
            using var scope = TorchSharp.torch.NewDisposeScope();
            var images = Data.CalibrationIndices.Take(BatchNormImages).ToArray();
            var batches = new Ascai.Data.BatchLoader(Data.Train, Normalization).Batches(images, 128).Select(b => (b.Images.data<float>().ToArray(), b.Images.shape)).ToList();
            _reestimation = (Data, BatchNormImages, batches);
            return batches;
        }
    }

    /// <summary>Whether applying <paramref name="plan"/> with these settings reads images (Taylor importance or a fill, for channel pruning).</summary>
    public bool NeedsData(CompressionPlan plan) =>
        plan.Layers.Values.Any(s => s.Method == "ps") && (Importance == ImportanceCriterion.Taylor || Fill != PrunedChannelFill.Zero);

    /// <summary>
    /// The moments (<see cref="ChannelMoments"/>) of <paramref name="group"/>'s channels by the tensor each of its readers
    /// reads, measured on the first call (<see cref="Prepare"/> measures every group's on the model as given) and reused
    /// like the importance.
    /// </summary>
    public IReadOnlyDictionary<string, ChannelMoments> MomentsOf(Ascai.Graph.LayerGraph graph, Ascai.Graph.ChannelGroup group)
    {
        string measured = MeasuredName(group);
        var tensors = group.Readers.Select(r => graph[r.Node].Inputs[r.Input]).Distinct().ToList();
        if (_moments is null || _momentsFor != Fill || !tensors.All(t => _moments.ContainsKey(ChannelMoments.Key(t, measured))))
        {
            Moments(graph);
            measured = group.Name;
        }
        return tensors.Where(t => _moments!.ContainsKey(ChannelMoments.Key(t, measured))).ToDictionary(t => t, t => _moments![ChannelMoments.Key(t, measured)]);
    }

    private void Moments(Ascai.Graph.LayerGraph graph)
    {
        if (Data is null || Normalization is null) throw new SettingException(SettingException.Of<CompressionContext>(nameof(Fill)), $"{Fill.ToString().ToLowerInvariant()} of pruned channels needs a data set");
        // Linear fill fits C coefficients per pruned channel: on the calibration images, not on the validation images
        // that judge the candidates. Mean fill keeps its validation means (one number per channel, as measured since).
        var (source, images) = Fill == PrunedChannelFill.Linear ? (Data.Train, Data.CalibrationIndices) : (Data.Validation, Data.ValidationIndices);
        if (images.Length == 0) throw new AscaiException("linear fill needs training images to fit on, and the data set has none outside the validation split");
        _moments = ChannelMoments.Measure(graph, source, images, Normalization);
        _momentsFor = Fill;
    }

    /// <summary>
    /// Channel scores by group name, computed on the first call and reused afterwards: importance is measured once
    /// per model (method.md), so one context must only serve graphs with the same weights before pruning.
    /// </summary>
    public IReadOnlyDictionary<string, float[]> ImportanceOf(Ascai.Graph.LayerGraph graph)
    {
        if (_importance is not null && Ascai.Graph.ChannelDependencies.Of(graph).Groups.All(g => _importance.ContainsKey(g.Name))) return _importance;
        return _importance = Measure(graph);
    }

    private Dictionary<string, float[]> Measure(Ascai.Graph.LayerGraph graph) => Importance switch
    {
        ImportanceCriterion.L1 => ChannelImportance.L1(graph),
        _ when Data is null || Normalization is null => throw new SettingException(SettingException.Of<CompressionContext>(nameof(Importance)), "taylor needs a data set (l1 does not)"),
        _ => ChannelImportance.Taylor(graph, Data.Validation, Data.ValidationIndices, Normalization),
    };

    /// <summary>
    /// The scores of <paramref name="group"/>'s channels: measured on the model as given (<see cref="Prepare"/>), where the
    /// group may have had another first layer before a decomposition renamed it; else measured on <paramref name="graph"/>.
    /// </summary>
    public float[] ScoresOf(Ascai.Graph.LayerGraph graph, Ascai.Graph.ChannelGroup group)
    {
        if (_importance is not null && _importance.TryGetValue(MeasuredName(group), out var scores) && scores.Length == group.Channels) return scores;
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var masked = graph.Clone();
        MaskPlacement.EnsureAll(masked);
        return Measure(masked).TryGetValue(group.Name, out var measured) ? measured
            : throw new InvalidOperationException($"no channel importance measured for layer '{group.Name}'");
    }

    // The name the group had where importance and moments were measured: a decomposed layer's factors are named after it.
    private string MeasuredName(Ascai.Graph.ChannelGroup group) =>
        _importance?.Keys.Where(k => group.Layers.Any(l => l == k || l.StartsWith(k + ".", StringComparison.Ordinal))).OrderByDescending(k => k.Length).FirstOrDefault()
        ?? group.Name;
}
