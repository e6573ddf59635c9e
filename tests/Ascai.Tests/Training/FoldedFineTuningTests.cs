using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Search;
using Ascai.Serialization;
using Ascai.Training;

namespace Ascai.Tests.Training;

/// <summary>
/// A model exported the way PyTorch exports (eval mode: its batch-norms folded into its convs) fine-tunes at the
/// fine-tuning's default rate: its convs train with batch-norms put back, folded again at the end.
/// </summary>
public class FoldedFineTuningTests
{
    [Fact]
    public void AFoldedModelFineTunesAtTheDefaultRateAndStaysFolded()
    {
        using var model = ModelFile.Load(Repository.Model("vgg-small-fashion-mnist.ascai"));
        var data = DatasetCatalog.Load("fashion-mnist", null, 500);
        data = data with { TrainIndices = data.TrainIndices[..2560], Normalization = model.Info.Normalization };
        double Accuracy(LayerGraph g) => Evaluator.Evaluate(g, data.Validation, data.ValidationIndices, model.Info.Normalization).Accuracy;
        var training = new FineTuneOptions().Training(seed: 0) with { Augment = false };
        // Without batch-norms put back, the folded model at this rate loses what it knew (or diverges).
        using (var bare = BatchNormFolding.Fold(model.Graph))
        {
            double before = Accuracy(bare);
            double after;
            try
            {
                Trainer.Train(bare, data, training with { UnfoldBatchNorms = false }, teacher: model.Graph);
                after = Accuracy(bare);
            }
            catch (TrainingDivergedException) { after = 0; }
            Console.WriteLine($"folded, trained as it is: {before:F2}% -> {after:F2}%");
        }
        using var folded = BatchNormFolding.Fold(model.Graph);
        double start = Accuracy(folded);
        Assert.True(training.UnfoldBatchNorms);
        Trainer.Train(folded, data, training, teacher: model.Graph);
        Assert.DoesNotContain(folded.Nodes, n => n is Ascai.Graph.Nodes.BatchNormNode); // folded again
        Assert.Null(folded.FirstNonFiniteTensor());
        double end = Accuracy(folded);
        Console.WriteLine($"folded, trained with batch-norms put back: {start:F2}% -> {end:F2}%");
        Assert.True(end >= start - 2, $"{start:F2}% -> {end:F2}%");
    }
}
