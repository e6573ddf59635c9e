using Ascai.Compression;
using Ascai.Cost;
using Ascai.Graph;
using Ascai.Graph.Nodes;
using static TorchSharp.torch;

namespace Ascai.Tests.Compression;

public class PruningTests
{
    [Theory]
    [InlineData(0.3)]
    [InlineData(0.77)]
    public void MagnitudePruningZeroesExactlyTheSmallest(double p)
    {
        using var scope = NewDisposeScope();
        using var graph = ZooGraphs.Create("lenet5", "1x28x28");
        var before = graph["conv2"].Parameters["weight"].detach().clone().abs().flatten();
        using var pruned = Compressor.Apply(graph, new CompressionPlan { Layers = { ["conv2"] = new LayerSetting { Method = "pn", Ratio = p } } }, new());
        var after = pruned["conv2"].Parameters["weight"].detach().flatten();
        long count = after.numel(), expectedZeros = (long)Math.Floor(p * count);
        Assert.Equal(expectedZeros, count - after.count_nonzero().item<long>());
        // Every survivor is at least as large as every pruned weight.
        var zeroed = after.eq(0);
        Assert.True(before.masked_select(zeroed).max().item<float>() <= before.masked_select(zeroed.logical_not()).min().item<float>());
        Assert.Equal(CostModel.Profile(graph).TotalNonZeroParams - expectedZeros, CostModel.Profile(pruned).TotalNonZeroParams);
    }

    [Theory]
    [InlineData(0.2, 128, 8, 24)]   // floor(25.6) = 25 pruned, 103 kept -> 104
    [InlineData(0.2, 32, 8, 0)]     // 26 kept -> 32: the whole layer
    [InlineData(0.3, 64, 16, 16)]   // 45 kept -> 48
    [InlineData(0.99, 32, 8, 24)]   // 1 kept -> 8, never fewer than one block
    [InlineData(0.9, 6, 8, 0)]      // a layer smaller than the block stays whole
    public void ChannelMultipleRoundsTheKeptChannelsUp(double p, int channels, int multiple, int pruned)
    {
        Assert.Equal(pruned, ChannelGroup.PrunedCount(p, channels, multiple));
        Assert.True((channels - pruned) % multiple == 0 || channels - pruned == channels);
    }

    [Theory]
    [InlineData(0.4, 16, 1, 2, 6)]      // 10 kept -> 5 in each of 2 blocks
    [InlineData(0.4, 16, 8, 2, 0)]      // 10 kept -> 16 (multiple of 8) -> 8 per block
    [InlineData(0.5, 32, 1, 4, 16)]     // 16 kept, 4 per block
    [InlineData(0.3, 24, 1, 4, 4)]      // 17 kept -> 5 per block = 20
    public void GroupsOfBlocksKeepTheSameNumberInEveryBlock(double p, int channels, int multiple, int blocks, int pruned)
    {
        Assert.Equal(pruned, ChannelGroup.PrunedCount(p, channels, multiple, blocks));
        Assert.Equal(0, (channels - pruned) % blocks);
    }

    [Theory]
    [InlineData(0.5, 16, 8)]
    [InlineData(0.99, 16, 15)]
    [InlineData(0.1, 6, 0)]
    public void ChannelPruningCountIsExactAndNeverEmptiesALayer(double p, int channels, int pruned)
    {
        Assert.Equal(pruned, ChannelGroup.PrunedCount(p, channels, multiple: 1));
        using var scope = NewDisposeScope();
        var g = new GraphBuilder(new Shape(3, 8, 8));
        var x = g.ConvBnRelu("input", channels, 3);
        using var graph = g.Build(g.Linear(g.Flatten(g.GlobalAvgPool(g.Conv(x, 4, 3))), 10));
        using var compressed = Compressor.Apply(graph, new CompressionPlan { Layers = { ["conv1"] = new LayerSetting { Method = "ps", Ratio = p } } },
            new CompressionContext { Importance = ImportanceCriterion.L1 });
        var mask = compressed.Nodes.OfType<ChannelMaskNode>().Single();
        Assert.Equal(channels - pruned, mask.KeptChannels().Length);
    }

    [Fact]
    public void L1PrunesTheSmallestFilters()
    {
        using var scope = NewDisposeScope();
        var g = new GraphBuilder(new Shape(1, 6, 6));
        var x = g.Relu(g.Conv("input", 4, 3, name: "conv"));
        using var graph = g.Build(g.Linear(g.Flatten(x), 3));
        graph["conv"].SetTensor("weight", tensor(new[] { 3f, 1f, 4f, 2f }).view(4, 1, 1, 1).expand(4, 1, 3, 3).contiguous());
        using var compressed = Compressor.Apply(graph, new CompressionPlan { Layers = { ["conv"] = new LayerSetting { Method = "ps", Ratio = 0.5 } } },
            new CompressionContext { Importance = ImportanceCriterion.L1 });
        Assert.Equal([0, 2], compressed.Nodes.OfType<ChannelMaskNode>().Single().KeptChannels());
    }

    [Fact]
    public void MasksFollowTheMethodsPlacementRules()
    {
        using var resnet = ZooGraphs.Create("resnet20", "3x16x16");
        var groups = MaskPlacement.Candidates(resnet);
        var inner = groups.Where(g => !g.Residual).ToList();
        Assert.Equal(9, inner.Count); // the ReLU inside each of the 9 basic blocks
        Assert.All(inner, g => Assert.EndsWith(".conv1", g.Name));
        Assert.All(inner, g => Assert.Equal([g.Name.Replace(".conv1", ".relu1")], ChannelDependencies.Of(resnet).Sites(g)));
        // The three stages' residual paths: the stem (or the shortcut conv) and every block's second conv, as one group each.
        Assert.Equal(["conv1", "layer2.0.conv2", "layer3.0.conv2"], groups.Where(g => g.Residual).Select(g => g.Name));
        Assert.Equal(["conv1", "layer1.0.conv2", "layer1.1.conv2", "layer1.2.conv2"], groups.Single(g => g.Name == "conv1").Layers);
        using var mobile = ZooGraphs.Create("mobilenetv2", "3x16x16");
        var dependencies = ChannelDependencies.Of(mobile);
        Assert.Equal(17, MaskPlacement.Candidates(mobile).Count(g => dependencies.Sites(g).Any(s => s.EndsWith(".depthwise.relu", StringComparison.Ordinal))));
        using var vgg = ZooGraphs.Create("vgg-small", "1x28x28");
        Assert.Equal(["conv1", "conv2", "conv3", "conv4", "conv5", "conv6", "fc1"], MaskPlacement.Candidates(vgg).Select(c => c.Name));
    }
}
