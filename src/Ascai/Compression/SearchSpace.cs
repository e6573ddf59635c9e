using System.Text.RegularExpressions;
using Ascai.Cost;
using Ascai.Graph;
using Ascai.Graph.Nodes;

namespace Ascai.Compression;

/// <summary>
/// Which genes a search varies, built from a model and the chosen methods (pn, ps, d, q and their joint sets): one ratio
/// gene per prunable layer, one bin gene per SVD layer (only bins that lower the cost, plus 64 = as is), two bin genes
/// per Tucker-2 layer, one precision gene (8 or 32 bits) per conv and linear layer. In a joint set the decomposition genes
/// come first, then the pruning genes, then the precision genes (one vector).
/// </summary>
public sealed class SearchSpace
{
    /// <summary>Largest ratio a gene may take: pruning a whole layer away is never useful.</summary>
    public const double MaxRatio = 0.95;

    /// <summary>Method sets accepted by <see cref="Build"/>.</summary>
    public static readonly string[] MethodSets = ["pn", "ps", "d", "d+ps", "q", "ps+q", "d+ps+q"];

    /// <summary>The bits a precision gene chooses between: int8, or float32 (the layer as is).</summary>
    public static readonly int[] PrecisionBits = [8, 32];

    private readonly Dictionary<string, (Shape Input, Shape Output, Conv2dNode Conv)> _tucker = new();
    // Per gene, what its value is a fraction or a bin of: channels (ps), weights (pn), full rank (svd).
    private readonly long[] _sizes;
    // Per gene, the equal blocks a ps group keeps the same count of (a grouped conv's groups; 1 = none).
    private readonly int[] _blocks;

    /// <summary>The genes, in genome order.</summary>
    public IReadOnlyList<Gene> Genes { get; }

    /// <summary>What each gene acts on, in genome order (the state an RL agent reads).</summary>
    public IReadOnlyList<GeneLayer> Layers { get; }

    /// <summary>MACs per image of the model the space was built on.</summary>
    public long TotalMacs { get; }

    /// <summary>The method set, e.g. "d+ps".</summary>
    public string Methods { get; }

    /// <summary>What a candidate's cost is counted in.</summary>
    public CostMetric Cost { get; }

    /// <summary>Whether the space prunes single weights (pn): its parameters are those not zero, and fine-tuning keeps the zeros.</summary>
    public bool PrunesWeights => Methods == "pn";

    /// <summary>Whether some layer's precision is searched (q).</summary>
    public bool Quantizes => Genes.Any(g => g.Kind == GeneKind.Precision);

    /// <summary>
    /// The cost a method set is searched in unless told otherwise: parameters for pn (it removes weights, not MACs),
    /// bit-operations when precision is searched (int8 does not change MACs), MACs otherwise.
    /// </summary>
    public static CostMetric DefaultCost(string methods) => methods.ToLowerInvariant() switch
    {
        "pn" => CostMetric.Params,
        var m when Includes(m, "q") => CostMetric.Bops,
        _ => CostMetric.Macs,
    };

    /// <summary>Whether the method set <paramref name="methods"/> (e.g. d+ps+q) holds <paramref name="method"/>.</summary>
    public static bool Includes(string methods, string method) => methods.ToLowerInvariant().Split('+').Contains(method);

    private SearchSpace(string methods, IReadOnlyList<Gene> genes, LayerGraph graph, CostMetric cost, int? discreteRatiosAt)
    {
        (Methods, Cost) = (methods, cost);
        var shapes = graph.InferShapes();
        foreach (var gene in genes.Where(g => g.Kind == GeneKind.TuckerOutBin))
        {
            var conv = (Conv2dNode)graph[gene.Layer];
            _tucker[gene.Layer] = (shapes[conv.Inputs[0]], shapes[gene.Layer], conv);
        }
        var groups = genes.Select(g => g.Method == "ps" ? ChannelPruning.GroupOf(graph, g.Layer) : null).ToArray();
        _blocks = groups.Select(g => g?.BlockCount ?? 1).ToArray();
        _sizes = genes.Select((g, i) => g.Method switch
        {
            "ps" => (long)groups[i]!.Channels,
            "pn" => graph[g.Layer].Parameters["weight"].numel(),
            "svd" => SvdDecomposition.FullRank(graph[g.Layer]),
            _ => 0L,
        }).ToArray();
        Genes = discreteRatiosAt is not { } multiple ? genes : genes.Select((g, i) =>
            g.Method == "ps" ? g with { Levels = RatioLevels((int)_sizes[i], multiple, _blocks[i]) } : g).ToArray();
        var profile = CostModel.Profile(graph);
        var macs = profile.Layers.ToDictionary(l => l.Name, l => l.Macs);
        TotalMacs = profile.TotalMacs;
        var dependencies = ChannelDependencies.Of(graph);
        Layers = genes.Select((g, i) =>
        {
            var layer = graph[groups[i]?.Name ?? g.Layer];
            long removable = macs[layer.Name];
            if (groups[i] is { } group)
            {
                // Every conv or linear layer whose input or output holds the group's channels.
                bool Holds(string tensor) => dependencies.MembersOf(tensor).Any(m => m?.Group == group);
                removable = graph.Nodes.Where(n => n is Conv2dNode or LinearNode && (Holds(n.Name) || Holds(n.Inputs[0]))).Sum(n => macs[n.Name]);
            }
            return layer switch
            {
                Conv2dNode c => new GeneLayer(false, c.InChannels, c.OutChannels, c.Kernel[0], c.Stride[0], macs[c.Name], removable),
                LinearNode l => new GeneLayer(true, l.InFeatures, l.OutFeatures, 1, 0, macs[l.Name], removable),
                _ => throw new InvalidOperationException($"gene {g} acts on {layer.Kind} '{layer.Name}'"),
            };
        }).ToArray();
    }

    /// <summary>
    /// Builds the space; patterns are globs on layer names (* and ?), include defaults to all; the cost defaults to the
    /// method set's (<see cref="DefaultCost"/>). With <paramref name="coupleResiduals"/>, channel pruning also searches the
    /// groups of layers summed by residual connections (each such group one gene: all its layers lose the same channels).
    /// With <paramref name="discreteRatiosAt"/> (a channel multiple), each ps gene takes only the ratios that give
    /// distinct kept-channel counts under that multiple (<see cref="RatioLevels"/>); without it, any ratio.
    /// A model with no layer the methods apply to gives a space with no genes.
    /// </summary>
    public static SearchSpace Build(LayerGraph graph, string methods, IReadOnlyList<string>? include = null, IReadOnlyList<string>? exclude = null,
        CostMetric? cost = null, bool coupleResiduals = false, int? discreteRatiosAt = null)
    {
        methods = methods.ToLowerInvariant();
        if (!MethodSets.Contains(methods))
            throw new ArgumentException($"'{methods}' is not one of: {string.Join(", ", MethodSets)}", nameof(methods));
        bool Wanted(string layer) =>
            (include is not { Count: > 0 } || LayerPattern.MatchesAny(include, layer)) && !LayerPattern.MatchesAny(exclude, layer);

        var genes = new List<Gene>();
        if (Includes(methods, "d"))
        {
            var shapes = graph.InferShapes();
            var svd = new SvdDecomposition();
            foreach (string layer in svd.Targets(graph).Where(Wanted))
            {
                var weight = graph[layer].Parameters["weight"];
                long m = weight.shape[0], n = weight.numel() / m;
                int full = SvdDecomposition.FullRank(graph[layer]);
                var bins = Enumerable.Range(1, Settings.SvdBins - 1)
                    .Where(b => SvdDecomposition.Reduces(m, n, Settings.RankOfBin(b, full, Settings.SvdBins))).Append(Settings.SvdBins).ToArray();
                if (bins.Length > 1) genes.Add(new Gene(layer, "svd", GeneKind.SvdBin, bins[0], Settings.SvdBins, bins));
            }
            int[] tuckerBins = Enumerable.Range(1, Settings.TuckerBins).ToArray();
            foreach (string layer in new Tucker2Decomposition().Targets(graph).Where(Wanted))
            {
                genes.Add(new Gene(layer, "tucker2", GeneKind.TuckerOutBin, 1, Settings.TuckerBins, tuckerBins));
                genes.Add(new Gene(layer, "tucker2", GeneKind.TuckerInBin, 1, Settings.TuckerBins, tuckerBins));
            }
        }
        if (methods == "pn")
            foreach (string layer in new MagnitudePruning().Targets(graph).Where(Wanted))
                genes.Add(new Gene(layer, "pn", GeneKind.Ratio, 0, MaxRatio));
        if (Includes(methods, "ps"))
        {
            var decomposed = genes.Select(g => g.Layer).ToHashSet();
            // A conv that is also decomposed is pruned under its activation's name (one setting per name in a plan).
            var alias = ChannelPruning.AliasOf(graph);
            // A group is searched when its name is wanted and none of its layers is left out; one tied through residual
            // sums only when asked for.
            foreach (var group in MaskPlacement.Candidates(graph)
                .Where(g => (coupleResiduals || !g.Residual) && Wanted(g.Name) && !g.Layers.Any(l => LayerPattern.MatchesAny(exclude, l))))
                if ((group.Layers.Any(decomposed.Contains) ? alias(group) : group.Name) is { } name)
                    genes.Add(new Gene(name, "ps", GeneKind.Ratio, 0, MaxRatio));
        }
        if (Includes(methods, "q"))
            foreach (var node in graph.Nodes.Where(n => n is Conv2dNode or LinearNode && Wanted(n.Name)))
                genes.Add(new Gene(node.Name, "q", GeneKind.Precision, PrecisionBits[0], PrecisionBits[^1], PrecisionBits));
        return new SearchSpace(methods, genes, graph, cost ?? DefaultCost(methods), discreteRatiosAt);
    }

    /// <summary>
    /// The ratios of a ps gene over <paramref name="channels"/> channels that make distinct models once kept channels are
    /// rounded up to <paramref name="multiple"/> (and to whole <paramref name="blocks"/>), ascending from 0 and up to
    /// <see cref="MaxRatio"/>: for each pruned count the smallest ratio that gives it. 32 channels under multiple 8: 0,
    /// 0.25, 0.5, 0.75.
    /// </summary>
    public static double[] RatioLevels(int channels, int multiple, int blocks = 1)
    {
        var levels = new List<double> { 0 };
        int Count(double ratio) => ChannelGroup.PrunedCount(ratio, channels, multiple, blocks);
        for (int pruned = 1; pruned <= (int)Math.Floor(MaxRatio * channels); pruned++)
        {
            // Between the ratios that prune pruned - 1 and pruned channels (half a channel off each: no rounding doubt).
            double low = (pruned - 0.5) / channels, high = Math.Min(MaxRatio, (pruned + 0.5) / channels);
            if (Count(high) == Count(low)) continue;
            // The smallest double that gives the new count, so that every ratio decodes like the level at or below it.
            while (Math.BitIncrement(low) < high)
            {
                double middle = low + (high - low) / 2;
                if (middle <= low || middle >= high) break;
                if (Count(middle) == Count(low)) low = middle; else high = middle;
            }
            levels.Add(high);
        }
        return levels.ToArray();
    }

    /// <summary>The genome that compresses nothing.</summary>
    public double[] Identity => Genes.Select(g => g.Identity).ToArray();

    /// <summary>Every gene forced into its range.</summary>
    public double[] Clip(double[] genome) => genome.Select((v, i) => Genes[i].Clip(v)).ToArray();

    /// <summary>
    /// What a genome makes of each layer, as the compression methods will apply it: per gene, the channels pruned (ps,
    /// after rounding kept channels up to <paramref name="channelMultiple"/>), the weights pruned (pn), the SVD rank, the
    /// Tucker-2 ranks (or the full sizes when the pair leaves the layer as is). Two genomes with the same decoded values
    /// make the same model: a search evaluates it once.
    /// </summary>
    public long[] Decoded(double[] genome, int channelMultiple = 1)
    {
        var plan = Decode(genome);
        var decoded = new long[Genes.Count];
        for (int i = 0; i < Genes.Count; i++)
        {
            var gene = Genes[i];
            var setting = plan.Layers.GetValueOrDefault(gene.Layer);
            decoded[i] = gene.Kind switch
            {
                GeneKind.Precision => IsInt8(i, genome) ? (long)gene.Clip(genome[i]) : -1,
                _ when setting is null || setting.Method != gene.Method => -1, // left as is
                GeneKind.Ratio when gene.Method == "ps" => ChannelGroup.PrunedCount(setting.Ratio!.Value, (int)_sizes[i], channelMultiple, _blocks[i]),
                GeneKind.Ratio => (long)Math.Floor(setting.Ratio!.Value * _sizes[i]),
                GeneKind.SvdBin => Settings.RankOfBin(setting.Bin!.Value, (int)_sizes[i], Settings.SvdBins),
                GeneKind.TuckerOutBin => Settings.RankOfBin(setting.Bins![0], _tucker[gene.Layer].Conv.OutChannels, Settings.TuckerBins),
                _ => Settings.RankOfBin(setting.Bins![1], _tucker[gene.Layer].Conv.InChannels, Settings.TuckerBins),
            };
            if (gene.Kind == GeneKind.Ratio && decoded[i] == 0) decoded[i] = -1; // nothing pruned: the layer as is
        }
        return decoded;
    }

    /// <summary>The conv and linear layers (by their names in the original model) that <paramref name="genome"/> runs in int8.</summary>
    public HashSet<string> Int8Layers(double[] genome)
    {
        var layers = new HashSet<string>();
        for (int i = 0; i < Genes.Count; i++)
            if (IsInt8(i, genome)) layers.Add(Genes[i].Layer);
        return layers;
    }

    // Whether gene i is a precision gene that, in this genome, puts its layer in fewer bits than float32.
    private bool IsInt8(int i, double[] genome) => Genes[i].Kind == GeneKind.Precision && Genes[i].Clip(genome[i]) < PrecisionBits[^1];

    /// <summary>A stable key of what <paramref name="genome"/> decodes to (<see cref="Decoded"/>).</summary>
    public string ModelKey(double[] genome, int channelMultiple = 1) => string.Join(",", Decoded(genome, channelMultiple));

    /// <summary>
    /// The compression plan a genome stands for. Genes at their identity value are left out; a Tucker-2 pair
    /// whose ranks would not lower the layer's cost leaves the layer as is. Precision is not part of it
    /// (<see cref="Int8Layers"/>): int8 is applied when a compressed model is exported or run.
    /// </summary>
    public CompressionPlan Decode(double[] genome)
    {
        if (genome.Length != Genes.Count) throw new AscaiException($"genome has {genome.Length} genes, the space {Genes.Count}");
        var plan = new CompressionPlan();
        for (int i = 0; i < Genes.Count; i++)
        {
            var gene = Genes[i];
            double value = gene.Clip(genome[i]);
            switch (gene.Kind)
            {
                case GeneKind.Ratio when value > 0:
                    plan.Layers[gene.Layer] = new LayerSetting { Method = gene.Method, Ratio = value };
                    break;
                case GeneKind.SvdBin when value < Settings.SvdBins:
                    plan.Layers[gene.Layer] = new LayerSetting { Method = "svd", Bin = (int)value };
                    break;
                case GeneKind.TuckerOutBin:
                    int binOut = (int)value, binIn = (int)Genes[i + 1].Clip(genome[i + 1]);
                    var (input, output, conv) = _tucker[gene.Layer];
                    int rOut = Settings.RankOfBin(binOut, conv.OutChannels, Settings.TuckerBins), rIn = Settings.RankOfBin(binIn, conv.InChannels, Settings.TuckerBins);
                    if ((binOut, binIn) != (Settings.TuckerBins, Settings.TuckerBins) && Tucker2Decomposition.FactoredMacs(conv, input, output, rOut, rIn) < conv.Macs([input], output))
                        plan.Layers[gene.Layer] = new LayerSetting { Method = "tucker2", Bins = [binOut, binIn] };
                    break;
            }
        }
        return plan;
    }
}
