using Ascai.Compression;
using Ascai.Data;
using Ascai.Graph;
using Ascai.Graph.Nodes;
using static TorchSharp.torch;
using static Ascai.Tests.Compression.MeanCompensationTests;

namespace Ascai.Tests.Compression;

public class LinearCompensationTests
{
    private static CompressionContext Fill(DatasetSplits data, PrunedChannelFill fill) =>
        new() { Data = data, Normalization = data.Normalization, Importance = ImportanceCriterion.L1, Fill = fill };

    /// <summary>
    /// conv1's channel 3 is 0.02 x its channel 0 (filter scaled, batch-norm the identity on both), so it is the
    /// least important by L1 and exactly a linear function of a kept channel: pruning it with linear fill leaves the
    /// model's output unchanged (up to the small ridge), while mean fill does not.
    /// </summary>
    [Fact]
    public void AChannelThatIsALinearFunctionOfKeptOnesIsReplacedExactly()
    {
        using var graph = Chain();
        using (var scope = NewDisposeScope())
        {
            var conv1 = (Conv2dNode)graph.Nodes.OfType<Conv2dNode>().First();
            var w = conv1.Parameters["weight"].detach().clone();
            w[0] = w[0] * 3;
            w[3] = w[0] * 0.02;
            conv1.SetTensor("weight", w);
            var bn = (BatchNormNode)graph.Consumers(conv1.Name).Single();
            foreach (var (buffer, value) in new[] { ("running_mean", 0f), ("running_var", 1f) })
            {
                var t = bn.Buffers[buffer].clone(); t[0] = value; t[3] = value; bn.SetTensor(buffer, t);
            }
            foreach (var (parameter, value) in new[] { ("weight", 1f), ("bias", 0f) })
            {
                var t = bn.Parameters[parameter].detach().clone(); t[0] = value; t[3] = value; bn.SetTensor(parameter, t);
            }
        }
        string layer = graph.Nodes.OfType<Conv2dNode>().First().Name;
        var data = RandomImages("2x6x6", 64);
        var plan = new CompressionPlan { Layers = { [layer] = new LayerSetting { Method = "ps", Ratio = 0.125 } } };
        using var linear = Compressor.Apply(graph, plan, Fill(data, PrunedChannelFill.Linear));
        using var mean = Compressor.Apply(graph, plan, Fill(data, PrunedChannelFill.Mean));
        var mask = linear.Nodes.OfType<ChannelMaskNode>().First().Buffers["mask"].data<float>().ToArray();
        Assert.Equal(0f, mask[3]);
        Assert.Equal(1, mask.Count(m => m == 0));
        using var scope2 = NewDisposeScope();
        var (images, _) = new BatchLoader(data.Train, data.Normalization).Make(data.ValidationIndices);
        using (inference_mode())
        {
            var expected = graph.Forward(images);
            double linearError = (linear.Forward(images) - expected).abs().max().item<float>();
            double meanError = (mean.Forward(images) - expected).abs().max().item<float>();
            Assert.True(linearError < 1e-4 * expected.abs().max().item<float>(), $"linear fill: max error {linearError}");
            Assert.True(meanError > 100 * linearError, $"mean fill: {meanError}, linear fill: {linearError}");
        }
    }

    [Fact]
    public void ARestoredChannelIsOneClearError()
    {
        using var graph = Chain();
        var data = RandomImages("2x6x6", 64);
        string layer = graph.Nodes.OfType<Conv2dNode>().First().Name;
        using var pruned = Compressor.Apply(graph, new CompressionPlan { Layers = { [layer] = new LayerSetting { Method = "ps", Ratio = 0.5 } } }, Fill(data, PrunedChannelFill.Linear));
        // Pruning more of a pruned layer folds only the newly pruned channels; going back to fewer cannot be undone.
        using var more = Compressor.Apply(pruned, new CompressionPlan { Layers = { [layer] = new LayerSetting { Method = "ps", Ratio = 0.75 } } }, Fill(data, PrunedChannelFill.Linear));
        Assert.Equal(6, more.Nodes.OfType<ChannelMaskNode>().First().Buffers["mask"].data<float>().Count(m => m == 0));
        var error = Assert.Throws<AscaiException>(() =>
            Compressor.Apply(pruned, new CompressionPlan { Layers = { [layer] = new LayerSetting { Method = "ps", Ratio = 0.25 } } }, Fill(data, PrunedChannelFill.Linear)));
        Assert.Contains("cannot restore", error.Message);
    }

    [Fact]
    public void LinearFillKeepsTheTrainedModelFarMoreAccurateThanMeanFill()
    {
        // Measured on all 1,000 validation images (Taylor ranking): 76.0% with means, 93.3% linear (base 94.5%).
        double mean = TrainedAccuracy(PrunedChannelFill.Mean, 0.3), linear = TrainedAccuracy(PrunedChannelFill.Linear, 0.3);
        Assert.True(linear > mean + 10, $"30% of every layer pruned: {mean:F1}% with means, {linear:F1}% linear");
    }
}
