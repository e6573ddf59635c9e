using System.Text.Json;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Search;
using Ascai.Serialization;

namespace Ascai.Tests.Data;

/// <summary>
/// A model trained in PyTorch on Fashion-MNIST images 0..58,999 with the last 1,000 held out
/// (tests/fixtures/pytorch/train_last_n.py): named with --val-range, those are the images the search judges it on,
/// and Ascai measures on them exactly what PyTorch measured.
/// </summary>
public class PyTorchSplitTests
{
    private static readonly string Onnx = Repository.Fixture("pytorch/fashion-last-1000.onnx");
    private static readonly Normalization TrainedWith = new([0.2860f], [0.3530f]);

    [Fact]
    public void TheHeldOutImagesScoreWhatPyTorchScoredAndTheSearchJudgesTheFloorOnThem()
    {
        using var expected = JsonDocument.Parse(File.ReadAllText(Repository.Fixture("pytorch/fashion-last-1000.json")));
        int heldOutCorrect = expected.RootElement.GetProperty("heldOutCorrect").GetInt32();
        var options = new DataOptions { ValidationRange = "59000:60000" };
        using (var model = ModelFile.Load(Onnx))
        {
            var warnings = new List<string>();
            var data = ModelData.Load(model, options, TrainedWith, warnings.Add);
            Assert.Empty(warnings); // the images are named and the normalisation given: nothing left unchecked
            var result = Evaluator.Evaluate(model.Graph, data.Validation, data.ValidationIndices, model.Info.Normalization);
            Assert.Equal((heldOutCorrect, 1000), (result.Correct, result.Total));
            Assert.Equal(expected.RootElement.GetProperty("testCorrect").GetInt32(),
                Evaluator.Evaluate(model.Graph, data.Test, data.TestIndices, model.Info.Normalization).Correct);
        }

        using var dir = new TempDirectory();
        var summary = SearchRunner.Start(new SearchConfig
        {
            Model = Onnx, MaxDrop = 1, Confirmation = 0, Confidence = null, FineTune = null, Normalization = TrainedWith,
            Options = new SearchOptions { Population = 4, Generations = 2, Budget = 12, Seed = 1 },
        } with { Data = options }, dir.File("run"));
        Assert.Equal("training images 59000..59999", summary.Split);
        Assert.Equal(heldOutCorrect / 10.0, summary.Baseline.ValAccuracy, 9);
        Assert.Equal(summary.Baseline.ValAccuracy - 1, summary.AccThreshold, 9);
        Assert.Empty(summary.Warnings);
        var config = SearchRunner.ReadConfig(dir.File("run"));
        Assert.Equal("59000:60000", config.Data.ValidationRange); // the run folder records the split
    }

    [Fact]
    public void WithoutANamedSplitTheSearchWarnsThatItCannotKnow()
    {
        using var dir = new TempDirectory();
        var warnings = new List<string>();
        var summary = SearchRunner.Start(new SearchConfig
        {
            Model = Onnx, MaxDrop = 1, Confirmation = 0, Confidence = null, FineTune = null, Normalization = TrainedWith, Data = new Ascai.Data.DataOptions { ValidationSize = 200 }, Evaluation = new Ascai.Evaluation.EvaluationSpec { Include = ["*"] },
            Options = new SearchOptions { Population = 2, Generations = 1, Budget = 2, Seed = 1, Init = InitMode.Naive },
        }, dir.File("run"), warn: warnings.Add);
        var warning = Assert.Single(warnings);
        Assert.Contains("cannot know whether its validation images (200 training images drawn with seed 0) were trained on", warning);
        Assert.Contains("cannot know", Assert.Single(summary.Warnings));
    }
}
