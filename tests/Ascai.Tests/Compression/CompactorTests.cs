using Ascai.Compression;
using Ascai.Cost;
using Ascai.Graph;
using Ascai.Graph.Nodes;
using static TorchSharp.torch;

namespace Ascai.Tests.Compression;

public class CompactorTests
{
    private static CompressionPlan PruneEverything(LayerGraph graph, double ratio) => new()
    {
        Layers = new ChannelPruning().Targets(graph).ToDictionary(l => l, _ => new LayerSetting { Method = "ps", Ratio = ratio }),
    };

    [Theory]
    [MemberData(nameof(ZooGraphs.All), MemberType = typeof(ZooGraphs))]
    public void CompactEqualsMaskedAndCostsWhatWasPredicted(string name, string input)
    {
        using var scope = NewDisposeScope();
        using var graph = ZooGraphs.Create(name, input);
        using var masked = Compressor.Apply(graph, PruneEverything(graph, 0.45), new CompressionContext { Importance = ImportanceCriterion.L1 });
        using var compact = Compactor.Compact(masked);
        Assert.Empty(compact.Nodes.OfType<ChannelMaskNode>());
        var x = ZooGraphs.Input(input);
        // Untrained deep nets reach logits in the hundreds: compare relative to that scale (float32 summation order).
        using (inference_mode())
            TensorAssert.RelativelyClose(masked.Forward(x), compact.Forward(x), 1e-5);
        var predicted = CostModel.Profile(masked);
        var measured = CostModel.Profile(compact);
        Assert.Equal(predicted.TotalMacs, measured.TotalMacs);
        Assert.Equal(predicted.TotalParams, measured.TotalParams);
        Assert.True(measured.TotalMacs < CostModel.Profile(graph).TotalMacs * 0.8, "pruning 45% of the masked channels saves MACs");
    }

    [Fact]
    public void DecomposeThenPruneCompactsToo()
    {
        using var scope = NewDisposeScope();
        using var graph = ZooGraphs.Create("vgg-small", "1x28x28");
        var plan = new CompressionPlan
        {
            Layers =
            {
                ["conv3"] = new LayerSetting { Method = "tucker2", Bins = [4, 4] },
                ["fc1"] = new LayerSetting { Method = "svd", Bin = 8 },
                ["conv4"] = new LayerSetting { Method = "ps", Ratio = 0.5 },
            },
        };
        using var compressed = Compressor.Apply(graph, plan, new CompressionContext { Importance = ImportanceCriterion.L1 });
        using var compact = Compactor.Compact(compressed);
        var x = ZooGraphs.Input("1x28x28");
        using (inference_mode())
            TensorAssert.Close(compressed.Forward(x), compact.Forward(x), 1e-4);
        Assert.Equal(CostModel.Profile(compressed).TotalMacs, CostModel.Profile(compact).TotalMacs);
        Assert.Contains(compact.Nodes, n => n.Name == "conv3.tucker.core");
        Assert.Equal(32, ((Conv2dNode)compact["conv4"]).OutChannels);
    }

    [Fact]
    public void PruningADecomposedLayerPrunesItsLastFactor()
    {
        using var scope = NewDisposeScope();
        using var graph = ZooGraphs.Create("vgg-small", "1x28x28");
        var plan = new CompressionPlan
        {
            Layers = { ["conv3"] = new LayerSetting { Method = "tucker2", Bins = [4, 4] } },
        };
        using var decomposed = Compressor.Apply(graph, plan, new CompressionContext { Importance = ImportanceCriterion.L1 });
        var group = ChannelPruning.GroupOf(decomposed, "conv3");
        Assert.Equal("conv3.tucker.out", group.Name);
    }
}
