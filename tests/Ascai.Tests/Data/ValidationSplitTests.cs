using Ascai.Data;
using Ascai.Graph;

namespace Ascai.Tests.Data;

/// <summary>The user's own held-out images: by range, by list, or a folder of their own; never overlapping calibration.</summary>
public class ValidationSplitTests
{
    private static DataOptions Idx(string dir) => new() { Dataset = "idx", DataDir = dir };

    [Fact]
    public void ARangeOrAListNamesTheValidationImagesAndCalibrationUsesOnlyTheRest()
    {
        using var dir = new TempDirectory();
        IdxFiles.WriteDataset(dir.Path, 3000, 50);
        var range = DatasetCatalog.Load(Idx(dir.Path) with { ValidationRange = "2500:3000" });
        Assert.Equal(Enumerable.Range(2500, 500), range.ValidationIndices);
        Assert.Equal(Enumerable.Range(0, 2500), range.TrainIndices);
        Assert.Empty(range.CalibrationIndices.Intersect(range.ValidationIndices));
        Assert.Equal("training images 2500..2999", range.Split);
        Assert.Null(range.SplitSeed);

        File.WriteAllLines(dir.File("held.txt"), ["# held out by my own script", "7", "3", "", "2999"]);
        var list = DatasetCatalog.Load(Idx(dir.Path) with { ValidationIndices = dir.File("held.txt") });
        Assert.Equal([3, 7, 2999], list.ValidationIndices);
        Assert.DoesNotContain(7, list.TrainIndices);
        Assert.Empty(list.CalibrationIndices.Intersect(list.ValidationIndices));

        var drawn = DatasetCatalog.Load(Idx(dir.Path) with { ValidationSize = 100 }, seed: 4);
        Assert.Equal(4, drawn.SplitSeed);
        Assert.Equal(DatasetSplits.HoldOut(3000, 100, 4).Validation, drawn.ValidationIndices);
    }

    [Theory]
    [InlineData("5:5", null, "is not a range A:B")]
    [InlineData("2900:3100", null, "goes past the 3000 training images")]
    [InlineData(null, "3\n3", "index 3 is listed twice")]
    [InlineData(null, "3000", "index 3000 is past the 3000 training images")]
    [InlineData(null, "x", "is not an image index")]
    [InlineData(null, "", "lists no image")]
    public void ABadSplitIsOneClearError(string? range, string? list, string error)
    {
        using var dir = new TempDirectory();
        IdxFiles.WriteDataset(dir.Path, 3000, 10);
        if (list is not null) File.WriteAllText(dir.File("held.txt"), list);
        var options = Idx(dir.Path) with { ValidationRange = range, ValidationIndices = list is null ? null : dir.File("held.txt") };
        Assert.Contains(error, Assert.Throws<SettingException>(() => DatasetCatalog.Load(options)).Message);
        Assert.Contains("both name the validation images", Assert.Throws<SettingException>(() => (Idx(dir.Path) with { ValidationRange = "0:10", ValidationIndices = "f" }).Validate()).Message);
        Assert.Contains("cannot be given with", Assert.Throws<SettingException>(() => (Idx(dir.Path) with { ValidationRange = "0:10", ValidationSize = 10 }).Validate()).Message);
    }

    [Fact]
    public void AModelsTrainingRecordTellsWhichValidationImagesItNeverSaw()
    {
        var data = DatasetCatalog.Load(new DataOptions { ValidationRange = "59000:60000" });
        // Trained as Ascai trains by default: 1,000 images drawn with seed 0 held out; most of 59000..59999 were trained on.
        var drawn = new ModelInfo { Training = [new TrainingRecord { Dataset = "fashion-mnist", Seed = 0, ValidationSize = 1000 }] };
        Assert.Contains("that the model was trained on", Assert.Throws<SettingException>(() => HeldOut.Check(drawn, data, new DataOptions { ValidationRange = "59000:60000" })).Message);
        // Trained holding out exactly that range, as a PyTorch script's "last N" split: nothing to say.
        var last = new ModelInfo { Training = [new TrainingRecord { Dataset = "fashion-mnist", HeldOutIndices = [.. Enumerable.Range(59000, 1000)] }] };
        Assert.Null(HeldOut.Check(last, data, new DataOptions { ValidationRange = "59000:60000" }));
        // No record (an ONNX model): named images are the user's word; drawn ones get a warning that says how to name them.
        Assert.Null(HeldOut.Check(new ModelInfo(), data, new DataOptions { ValidationRange = "59000:60000" }));
        var unknown = HeldOut.Check(new ModelInfo(), DatasetCatalog.Load(new DataOptions()), new DataOptions());
        Assert.Contains("cannot know whether its validation images (1000 training images drawn with seed 0) were trained on", unknown);
        Assert.Contains("{DataOptions.ValidationRange}", unknown);
        // A validation split of the data set's own (val/, val_ arrays) is what training held out, by convention: no warning.
        var drawnSplit = DatasetCatalog.Load(new DataOptions());
        Assert.Null(HeldOut.Check(new ModelInfo(), drawnSplit with { ValidationSource = drawnSplit.Test }, new DataOptions()));
    }

    [Fact]
    public void TrainingFurtherKeepsTheImagesTheModelsTrainingHeldOut()
    {
        var builder = new GraphBuilder(new Shape(1, 4, 4));
        using var graph = builder.Build(builder.Linear(builder.Flatten("input"), 2));
        using var model = new Model(graph.Clone(), new ModelInfo { Training = [new TrainingRecord { Dataset = "fashion-mnist", Seed = 3, ValidationSize = 5000 }] });
        // By default the same draw: its size from the record (the seed comes with ModelData.Load).
        Assert.Equal(5000, ModelData.KeepingHeldOut(model, new DataOptions()).ValidationSize);
        // The user's own size or named images win.
        Assert.Equal(200, ModelData.KeepingHeldOut(model, new DataOptions { ValidationSize = 200 }).ValidationSize);
        Assert.Null(ModelData.KeepingHeldOut(model, new DataOptions { ValidationRange = "0:100" }).ValidationSize);
        // A model without a training record: nothing to keep.
        using var foreign = new Model(graph.Clone(), new ModelInfo());
        Assert.Null(ModelData.KeepingHeldOut(foreign, new DataOptions()).ValidationSize);
    }
}
