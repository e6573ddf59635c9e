using Ascai.Compression;
using Ascai.Cost;
using Ascai.Graph;
using Ascai.Graph.Nodes;
using Ascai.Onnx;
using static TorchSharp.torch;

namespace Ascai.Tests.Compression;

/// <summary>
/// Channel pruning on what PyTorch exports (tests/fixtures/onnx/make_fixtures.py): every group the channel analysis
/// finds, residual ones included, pruned at once; the compact model computes what the masked one does, costs what the
/// profile predicted, and runs the same in ONNX Runtime.
/// </summary>
public class ImportedModelPruningTests
{
    private static LayerGraph Fixture(string name) => OnnxImporter.Import(Repository.OnnxFixture(name), name);

    [Theory]
    [InlineData("vgg-bn")]
    [InlineData("cifar-resnet")]
    [InlineData("mobilenet-v2")]
    [InlineData("activations")]
    [InlineData("patterns")]
    [InlineData("shuffle")]
    [InlineData("families")]
    [InlineData("convnext")]
    public void EveryGroupPrunedCompactsToTheMaskedModel(string name)
    {
        using var graph = Fixture(name);
        var groups = MaskPlacement.Candidates(graph);
        Assert.NotEmpty(groups);
        var plan = new CompressionPlan { Layers = groups.ToDictionary(g => g.Name, _ => new LayerSetting { Method = "ps", Ratio = 0.3 }) };
        using var masked = Compressor.Apply(graph, plan, new CompressionContext { Importance = ImportanceCriterion.L1 });
        using var compact = Compactor.Compact(masked);
        Assert.Empty(compact.Nodes.OfType<ChannelMaskNode>());
        using var scope = NewDisposeScope();
        random.manual_seed(1);
        var x = randn(graph.InputShape.WithBatch(4));
        using (inference_mode())
            TensorAssert.RelativelyClose(masked.Forward(x), compact.Forward(x), 1e-4);
        var predicted = CostModel.Profile(masked);
        var measured = CostModel.Profile(compact);
        Assert.Equal(predicted.TotalMacs, measured.TotalMacs);
        Assert.Equal(predicted.TotalParams, measured.TotalParams);
        Assert.True(measured.TotalMacs < CostModel.Profile(graph).TotalMacs * 0.85, "pruning 30% of every group saves MACs");
        OnnxExporter.Check(compact, OnnxExporter.Export(compact));
    }

    [Theory]
    [InlineData("families")]
    [InlineData("convnext")]
    [InlineData("mobilenet-v2")]
    public void DecompositionsAndPruningInOneGenomeCompactToTheMaskedModel(string name)
    {
        // SVD on 1x1 convs and linear layers, Tucker-2 on kxk convs with one group, Ps on every group the default search offers.
        using var graph = Fixture(name);
        var space = SearchSpace.Build(graph, "d+ps");
        Assert.Contains(space.Genes, g => g.Method == "svd");
        Assert.Contains(space.Genes, g => g.Method == "ps");
        var genome = space.Genes.Select(g => g.Kind switch
        {
            GeneKind.Ratio => 0.3,
            GeneKind.SvdBin => g.Allowed![g.Allowed.Length / 2],
            _ => 5.0,
        }).ToArray();
        using var compressed = Compressor.Apply(graph, space.Decode(genome), new CompressionContext { Importance = ImportanceCriterion.L1 });
        using var compact = Compactor.Compact(compressed);
        using var scope = NewDisposeScope();
        random.manual_seed(2);
        var x = randn(graph.InputShape.WithBatch(4));
        using (inference_mode())
            TensorAssert.RelativelyClose(compressed.Forward(x), compact.Forward(x), 1e-4);
        Assert.Equal(CostModel.Profile(compressed).TotalMacs, CostModel.Profile(compact).TotalMacs);
        Assert.True(CostModel.Profile(compact).TotalMacs < CostModel.Profile(graph).TotalMacs);
        OnnxExporter.Check(compact, OnnxExporter.Export(compact));
    }

    [Fact]
    public void TheFamiliesTieTheirChannelsAsTheirBlocksDo()
    {
        using var graph = Fixture("families");
        var dependencies = ChannelDependencies.Of(graph);
        ChannelGroup Group(string layer) => dependencies.Groups.Single(g => g.Layers.Contains(layer));

        // DenseNet: a layer's new channels are read, through the concatenations, by every later layer and the transition.
        Assert.Equal(["/dense/denselayer2/conv1/Conv", "/transition/conv/Conv"], Group("/dense/denselayer1/conv2/Conv").Readers.Select(r => r.Node));
        // Squeeze-and-excitation: the gate's last conv loses the channels it gates.
        Assert.Equal(["/mobilenet_v3/block/block.0/block.0.0/Conv", "/mobilenet_v3/block/block.2/fc2/Conv"], Group("/mobilenet_v3/block/block.2/fc2/Conv").Layers);
        // Grouped convs (ResNeXt, RegNet): their groups keep equal counts.
        Assert.Equal(2, Group("/resnext/conv1/Conv").BlockCount);
        Assert.Equal(4, Group("/regnet_y/f/a/a.0/Conv").BlockCount);
        // A residual sum ties its inputs' channels: the projection shortcut and the block's last conv are one group.
        Assert.True(Group("/resnext/conv3/Conv").Residual);
        Assert.Contains("/resnext/downsample/downsample.0/Conv", Group("/resnext/conv3/Conv").Layers);
        // Nothing that reaches the output is prunable; every other conv is a group's layer or passes one's channels on.
        Assert.DoesNotContain(dependencies.Groups, g => g.Layers.Contains("/head/Gemm"));
    }

    [Fact]
    public void GroupedConvsKeepTheirGroupsAndShufflesBecomeGathers()
    {
        using var graph = Fixture("families");
        var plan = new CompressionPlan
        {
            Layers =
            {
                ["/resnext/conv1/Conv"] = new LayerSetting { Method = "ps", Ratio = 0.4 },
                ["/shuffle/shuffle.0/branch2/branch2.0/Conv"] = new LayerSetting { Method = "ps", Ratio = 0.5 },
                ["/shuffle/shuffle.0/branch1/branch1.2/Conv"] = new LayerSetting { Method = "ps", Ratio = 0.3 },
            },
        };
        using var masked = Compressor.Apply(graph, plan, new CompressionContext { Importance = ImportanceCriterion.L1 });
        using var compact = Compactor.Compact(masked);
        // 16 channels in 2 groups, 40% pruned: 10 kept rounded up to 5 per group.
        var grouped = (Conv2dNode)compact["/resnext/conv2/Conv"];
        Assert.Equal((10, 10, 2), (grouped.InChannels, grouped.OutChannels, grouped.Groups));
        Assert.Contains(compact.Nodes, n => n is ChannelGatherNode);
        using var scope = NewDisposeScope();
        var x = randn(graph.InputShape.WithBatch(2));
        using (inference_mode())
            TensorAssert.RelativelyClose(masked.Forward(x), compact.Forward(x), 1e-4);
        // What Ascai exports of it imports again and computes the same.
        using var reimported = OnnxImporter.Import(OnnxExporter.Export(compact));
        using (inference_mode())
            TensorAssert.RelativelyClose(compact.Forward(x), reimported.Forward(x), 1e-6);
    }
}
