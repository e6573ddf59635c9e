using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Models;
using Ascai.Training;

namespace Ascai.Tests.Training;

public class TrainerTests
{
    [Fact]
    public void LeNet5LearnsFashionMnistSliceInThreeEpochs()
    {
        var full = DatasetCatalog.Load("fashion-mnist", validationSize: 500, seed: 0);
        var slice = full with { TrainIndices = full.TrainIndices[..3000] };
        using var graph = ModelZoo.Create("lenet5", slice.InputShape, 10, seed: 0);
        var before = Evaluator.Evaluate(graph, slice.Validation, slice.ValidationIndices, slice.Normalization);
        var epochs = Trainer.Train(graph, slice, new TrainOptions { Epochs = 3, BatchSize = 64, LearningRate = 0.05, Seed = 0 });
        Assert.Equal(3, epochs.Count);
        Assert.True(epochs[^1].Loss < epochs[0].Loss, "training loss falls");
        var test = Evaluator.Evaluate(graph, slice.Test, slice.TestIndices[..2000], slice.Normalization);
        Assert.InRange(before.Accuracy, 0, 30); // chance is 10%
        Assert.True(test.Accuracy > 65, $"test accuracy {test.Accuracy:F1}% after 3 epochs on 3,000 images");
    }

    [Fact]
    public void SameSeedGivesSameWeights()
    {
        using var dir = new TempDirectory();
        Ascai.Tests.Data.IdxFiles.WriteDataset(dir.Path, 120, 20, h: 16, w: 16);
        var data = DatasetCatalog.Load("idx", dir.Path, validationSize: 20);
        float Run()
        {
            using var graph = ModelZoo.Create("lenet5", data.InputShape, 10, seed: 2);
            Trainer.Train(graph, data, new TrainOptions { Epochs = 2, BatchSize = 16, Seed = 9 });
            return graph.Parameters().Sum(p => p.abs().sum().item<float>());
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void BadOptionsAreRejected()
    {
        Assert.Throws<SettingException>(() => new TrainOptions { Epochs = 0 }.Validate());
        Assert.Throws<SettingException>(() => new TrainOptions { LearningRate = -1 }.Validate());
        Assert.Throws<SettingException>(() => new TrainOptions { Momentum = 1 }.Validate());
    }

    [Fact]
    public void DataThatDoesNotFitTheModelIsRejected()
    {
        using var dir = new TempDirectory();
        Ascai.Tests.Data.IdxFiles.WriteDataset(dir.Path, 40, 10);
        var data = DatasetCatalog.Load("idx", dir.Path, validationSize: 10);
        using var graph = ModelZoo.Create("lenet5", new Shape(1, 28, 28), 10);
        Assert.Contains("inputs", Assert.Throws<AscaiException>(() => Trainer.Train(graph, data, new TrainOptions { Epochs = 1 })).Message);
    }
}
