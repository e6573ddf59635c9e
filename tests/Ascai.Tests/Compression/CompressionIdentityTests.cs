using Ascai.Compression;
using Ascai.Graph;
using static TorchSharp.torch;

namespace Ascai.Tests.Compression;

/// <summary>Settings that remove nothing leave every zoo model's outputs unchanged.</summary>
public class CompressionIdentityTests
{
    private static readonly CompressionContext L1Context = new() { Importance = ImportanceCriterion.L1 };

    private static void AssertUnchanged(string name, string input, Func<LayerGraph, CompressionPlan> plan)
    {
        using var scope = NewDisposeScope();
        using var graph = ZooGraphs.Create(name, input);
        var x = ZooGraphs.Input(input);
        var p = plan(graph);
        Assert.NotEmpty(p.Layers);
        using var compressed = Compressor.Apply(graph, p, L1Context);
        using var _ = inference_mode();
        TensorAssert.Close(graph.Forward(x), compressed.Forward(x), 1e-4);
    }

    private static CompressionPlan Every(LayerGraph graph, ICompressionMethod method, LayerSetting setting) =>
        new() { Layers = method.Targets(graph).ToDictionary(l => l, _ => setting) };

    [Theory]
    [MemberData(nameof(ZooGraphs.All), MemberType = typeof(ZooGraphs))]
    public void ZeroRatioPruningChangesNothing(string name, string input)
    {
        AssertUnchanged(name, input, g => Every(g, new MagnitudePruning(), new LayerSetting { Method = "pn", Ratio = 0 }));
        AssertUnchanged(name, input, g => Every(g, new ChannelPruning(), new LayerSetting { Method = "ps", Ratio = 0 }));
    }

    [Theory]
    [MemberData(nameof(ZooGraphs.All), MemberType = typeof(ZooGraphs))]
    public void LastBinsLeaveLayersAsTheyAre(string name, string input)
    {
        AssertUnchanged(name, input, g => Every(g, new SvdDecomposition(), new LayerSetting { Method = "svd", Bin = 64 }));
        AssertUnchanged(name, input, g => Every(g, new Tucker2Decomposition(), new LayerSetting { Method = "tucker2", Bins = [8, 8] }));
    }
}
