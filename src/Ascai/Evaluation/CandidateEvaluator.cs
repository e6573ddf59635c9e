using Ascai.Compression;
using Ascai.Cost;
using Ascai.Data;
using Ascai.Graph;
using Ascai.Search;

namespace Ascai.Evaluation;

/// <summary>What evaluating one genome measured.</summary>
public sealed record CandidateResult(double ValAccuracy, long Macs, long Params);

/// <summary>
/// Scores genomes of one search space on one model: compress, compact (so the forward pass costs what the
/// candidate costs), measure validation accuracy and cost. A pure function of (model, genome, validation images):
/// channel importance is measured once, on the base model, before the first candidate.
/// </summary>
public sealed class CandidateEvaluator
{
    private readonly Model _model;
    private readonly DatasetSplits _data;
    private readonly SearchSpace _space;
    private readonly CompressionContext _context;

    /// <summary>
    /// Prepares the evaluator (and channel importance and means, when the space prunes channels). The compression
    /// options (importance, fill, channel multiple, HOOI) come from <paramref name="options"/>; data and normalisation
    /// are the evaluator's own.
    /// </summary>
    public CandidateEvaluator(Model model, DatasetSplits data, SearchSpace space, CompressionContext? options = null)
    {
        (_model, _data, _space) = (model, data, space);
        _context = (options ?? new CompressionContext { Fill = PrunedChannelFill.Mean }) with { Data = data, Normalization = model.Info.Normalization };
        if (space.Genes.Any(g => g.Method == "ps")) _context.Prepare(model.Graph);
        var profile = CostModel.Profile(model.Graph);
        BaseMacs = profile.TotalMacs;
        BaseParams = profile.TotalParams;
    }

    /// <summary>MACs of the uncompressed model.</summary>
    public long BaseMacs { get; }

    /// <summary>Parameters of the uncompressed model.</summary>
    public long BaseParams { get; }

    /// <summary>The base cost the saving is measured against: parameters for pn, MACs otherwise.</summary>
    public long BaseCost => _space.CountsParameters ? BaseParams : BaseMacs;

    /// <summary>The cost of a result in the space's unit.</summary>
    public long CostOf(CandidateResult result) => _space.CountsParameters ? result.Params : result.Macs;

    /// <summary>Validation accuracy of the uncompressed model.</summary>
    public double BaseAccuracy() => Evaluator.Evaluate(_model.Graph, _data.Train, _data.ValidationIndices, _model.Info.Normalization).Accuracy;

    /// <summary>Compresses by <paramref name="genome"/> (compact form) and measures it.</summary>
    public CandidateResult Evaluate(double[] genome, CancellationToken cancel = default)
    {
        using var graph = Build(genome);
        var profile = CostModel.Profile(graph);
        double accuracy = Evaluator.Evaluate(graph, _data.Train, _data.ValidationIndices, _model.Info.Normalization, cancel: cancel).Accuracy;
        return new CandidateResult(accuracy, profile.TotalMacs, _space.CountsParameters ? profile.TotalNonZeroParams : profile.TotalParams);
    }

    /// <summary>The compact compressed graph of a genome (the caller disposes it).</summary>
    public LayerGraph Build(double[] genome) =>
        // The compressed graph is already a private copy: compact it in place rather than copying it again.
        Compactor.CompactOwned(BuildMasked(genome));

    /// <summary>The compressed graph with its masks in place (the caller disposes it).</summary>
    public LayerGraph BuildMasked(double[] genome) => Compressor.Apply(_model.Graph, _space.Decode(genome), _context);
}
