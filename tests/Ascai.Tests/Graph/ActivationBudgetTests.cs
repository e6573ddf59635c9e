using Ascai.Compression;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Models;
using Ascai.Serialization;

namespace Ascai.Tests.Graph;

/// <summary>Batches sized to the activations: small images keep the large batch, large ones stay within the budget, and no result depends on the batch.</summary>
public class ActivationBudgetTests
{
    [Fact]
    public void SmallImagesKeepTheLargeBatch()
    {
        using var model = ModelFile.Load(Repository.Model("resnet20-fashion-mnist.ascai"));
        Assert.Equal(Evaluator.DefaultBatchSize, Evaluator.BatchSize(model.Graph));
    }

    [Fact]
    public void LargeImagesStayWithinTheBudget()
    {
        using var graph = CifarResNet.Build(new Shape(3, 224, 224), 10, 20);
        // The stem's output is the largest tensor: 16 x 224 x 224 floats per image, alive beside its input and buffers.
        long perImage = 4L * sizeof(float) * 16 * 224 * 224;
        int batch = ActivationBudget.Inference(graph, 250);
        Assert.InRange(batch * perImage, 1, ActivationBudget.DefaultBytes);
        Assert.True((batch + 1) * perImage > ActivationBudget.DefaultBytes, $"batch {batch} leaves room for another image");
        // A backward pass keeps every output: fewer images still, but at least one.
        Assert.InRange(ActivationBudget.Backward(graph, 100), 1, batch - 1);
        Assert.Equal(1, ActivationBudget.Inference(graph, 250, bytes: 1));
    }

    [Fact]
    public void TheRankingAndTheFillDoNotDependOnTheBatch()
    {
        using var model = ModelFile.Load(Repository.Model("vgg-small-fashion-mnist.ascai"));
        var data = DatasetCatalog.Load("fashion-mnist");
        var indices = data.ValidationIndices[..120];
        MaskPlacement.EnsureAll(model.Graph);
        var whole = ChannelImportance.Taylor(model.Graph, data.Validation, indices, model.Info.Normalization);
        var one = ChannelImportance.Taylor(model.Graph, data.Validation, indices, model.Info.Normalization, batchSize: 7);
        foreach (var (group, scores) in whole)
            for (int c = 0; c < scores.Length; c++) Assert.Equal(scores[c], one[group][c], scores[c] * 1e-4 + 1e-9);
        var moments = ChannelMoments.Measure(model.Graph, data.Validation, indices, model.Info.Normalization);
        var small = ChannelMoments.Measure(model.Graph, data.Validation, indices, model.Info.Normalization, batchSize: 7);
        // Float32 forward passes round differently per batch: equal to a millionth of each matrix's scale.
        foreach (var (key, m) in moments)
        {
            double scale = m.Values.Max(Math.Abs);
            for (int i = 0; i < m.Values.Length; i++) Assert.Equal(m.Values[i], small[key].Values[i], scale * 1e-6);
        }
    }
}
