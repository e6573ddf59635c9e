using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Models;
using Ascai.Training;
using static TorchSharp.torch;

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

    [Fact]
    public void AStepInPartsHasTheWholeBatchsGradientsAndLoss()
    {
        using var graph = LeNet5.Build(new Shape(1, 28, 28), 10);
        using var teacher = LeNet5.Build(new Shape(1, 28, 28), 10);
        using var scope = NewDisposeScope();
        random.manual_seed(0);
        var images = randn(32, 1, 28, 28);
        var labels = randint(0, 10, [32]);
        var options = new TrainOptions();
        foreach (var withTeacher in new[] { (LayerGraph?)null, teacher })
        {
            var parameters = graph.Parameters().ToList();
            foreach (var p in parameters) p.grad?.zero_();
            var logits = graph.Logits(images, training: true);
            var loss = withTeacher is null ? nn.functional.cross_entropy(logits, labels)
                : nn.functional.cross_entropy(logits, labels) * (1 - options.DistillWeight)
                  + nn.functional.kl_div(nn.functional.log_softmax(logits / options.DistillTemperature, 1),
                      nn.functional.softmax(teacher.Logits(images) / options.DistillTemperature, 1).detach(), log_target: false, reduction: nn.Reduction.Sum)
                  / 32 * (options.DistillWeight * options.DistillTemperature * options.DistillTemperature);
            loss.backward();
            var whole = parameters.Select(p => p.grad!.clone()).ToList();
            foreach (var p in parameters) p.grad!.zero_();
            var (value, hits, finite) = Trainer.StepInParts(graph, images, labels, 5, withTeacher, options, 1, 1);
            Assert.True(finite);
            Assert.Equal(loss.item<float>(), value, 1e-4);
            Assert.Equal(logits.argmax(1).eq(labels).sum().item<long>(), hits);
            for (int i = 0; i < parameters.Count; i++) TensorAssert.Close(whole[i], parameters[i].grad!, 1e-5);
        }
    }
}
