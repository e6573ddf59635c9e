using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Models;
using Ascai.Onnx;
using Ascai.Serialization;
using Ascai.Training;
using static TorchSharp.torch;

namespace Ascai.Tests.Evaluation;

/// <summary>NaN and infinity never pass for a number: where they enter (a model, a training step) and where results leave.</summary>
public class NumericGuardTests
{
    private static LayerGraph WithNaN()
    {
        var graph = ModelZoo.Create("lenet5", new Shape(1, 28, 28), 10);
        using var scope = NewDisposeScope();
        var conv = graph.Nodes.First(n => n.Parameters.ContainsKey("weight"));
        var weight = conv.Parameters["weight"].detach().clone();
        weight[0, 0, 0, 0] = float.NaN;
        conv.SetTensor("weight", weight);
        return graph;
    }

    [Fact]
    public void AnEvaluationThatSeesNaNLogitsIsNotFinite()
    {
        using var scope = NewDisposeScope();
        var batches = new[] { (zeros(4, 1, 2, 2), tensor(new long[] { 0, 1, 0, 1 })) };
        var nan = Evaluator.Evaluate(_ => full(4, 2, float.NaN), batches);
        Assert.False(nan.Finite);
        Assert.Contains("NaN or infinite outputs", Assert.Throws<AscaiException>(() => nan.EnsureFinite("the model")).Message);
        var fine = Evaluator.Evaluate(_ => tensor(new float[] { 1, 0, 0, 1, 1, 0, 0, 1 }).reshape(4, 2), batches);
        Assert.True(fine.Finite);
        Assert.Equal(100, fine.EnsureFinite("the model").Accuracy);
    }

    [Fact]
    public void NoImagesIsNoAccuracy() =>
        Assert.Contains("no images", Assert.Throws<AscaiException>(() => Evaluator.Evaluate(x => x, Array.Empty<(Tensor, Tensor)>())).Message);

    [Fact]
    public void AModelWithANaNWeightIsNeitherWrittenNorExportedAsChecked()
    {
        using var dir = new TempDirectory();
        using var graph = WithNaN();
        Assert.Equal("conv1.weight", graph.FirstNonFiniteTensor());
        var model = new Model(graph, new ModelInfo { NumClasses = 10 });
        Assert.Contains("conv1.weight holds NaN", Assert.Throws<AscaiException>(() => ModelFile.Save(model, dir.File("m.ascai"))).Message);
        Assert.Contains("conv1.weight holds NaN", Assert.Throws<AscaiException>(() => ModelFile.Save(model, dir.File("m.onnx"))).Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
        // The export check fails on NaN rather than passing with "max abs difference NaN".
        Assert.Contains("differ from Ascai's by NaN", Assert.Throws<AscaiException>(() => OnnxExporter.Check(graph, OnnxExporter.Export(graph))).Message);
    }

    [Fact]
    public void ADivergingTrainingStopsAtTheFirstNonFiniteLossAndSuggestsALowerRate()
    {
        using var dir = new TempDirectory();
        Ascai.Tests.Data.IdxFiles.WriteDataset(dir.Path, 120, 20, h: 16, w: 16);
        var data = DatasetCatalog.Load("idx", dir.Path, validationSize: 20);
        using var graph = ModelZoo.Create("lenet5", data.InputShape, 10, seed: 2);
        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Train(graph, data, new TrainOptions { Epochs = 3, BatchSize = 16, LearningRate = 1e30 }));
        Assert.Equal("TrainOptions.LearningRate", e.Setting);
        Assert.Contains("made the training diverge", e.Message);
        Assert.Contains("try a lower one", e.Message);
    }
}
