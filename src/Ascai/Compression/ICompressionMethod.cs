using Ascai.Graph;

namespace Ascai.Compression;

/// <summary>
/// One compression method as a graph rewrite. A new method is one new class implementing this interface, listed
/// in <see cref="CompressionMethods"/>.
/// </summary>
public interface ICompressionMethod
{
    /// <summary>Short name used in settings files and on the command line: pn, ps, svd, tucker2.</summary>
    string Name { get; }

    /// <summary>Whether decompositions run before pruning (method.md: decompose, then prune the decomposed graph).</summary>
    bool IsDecomposition { get; }

    /// <summary>The layers of <paramref name="graph"/> this method can compress, by the names users see in `ascai profile`.</summary>
    IEnumerable<string> Targets(LayerGraph graph);

    /// <summary>
    /// Called once before <see cref="Apply"/> runs on <paramref name="layers"/>, the plan's layers for this method: what they
    /// share can be set up in one go (channel pruning inserts all their masks at once). By default nothing.
    /// </summary>
    void Prepare(LayerGraph graph, IReadOnlyList<string> layers) { }

    /// <summary>Compresses one layer in place; throws <see cref="AscaiException"/> for a setting that does not fit it.</summary>
    void Apply(LayerGraph graph, string layer, LayerSetting setting, CompressionContext context);
}

/// <summary>The registry of compression methods by name.</summary>
public static class CompressionMethods
{
    /// <summary>Every method, in the order a plan applies them.</summary>
    public static IReadOnlyList<ICompressionMethod> All { get; } =
        [new SvdDecomposition(), new Tucker2Decomposition(), new ChannelPruning(), new MagnitudePruning()];

    /// <summary>A method by name.</summary>
    public static ICompressionMethod Get(string name) =>
        All.FirstOrDefault(m => m.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new AscaiException($"unknown compression method '{name}' (known: {string.Join(", ", All.Select(m => m.Name))})");
}
