using Ascai.Data;
using Ascai.Graph;
using static TorchSharp.torch;

namespace Ascai.Tests.Data;

public class DatasetSplitsTests
{
    [Fact]
    public void HoldOutIsSeededDisjointAndComplete()
    {
        var (train, val) = DatasetSplits.HoldOut(100, 10, seed: 3);
        var (train2, val2) = DatasetSplits.HoldOut(100, 10, seed: 3);
        var (_, val3) = DatasetSplits.HoldOut(100, 10, seed: 4);
        Assert.Equal(val, val2);
        Assert.Equal(train, train2);
        Assert.NotEqual(val, val3);
        Assert.Empty(train.Intersect(val));
        Assert.Equal(Enumerable.Range(0, 100), train.Concat(val).Order());
    }

    [Fact]
    public void ValidationOfNoneOrAllTheTrainingIsRejected()
    {
        Assert.Throws<SettingException>(() => DatasetSplits.HoldOut(10, 10, 0));
        Assert.Throws<SettingException>(() => DatasetSplits.HoldOut(10, 0, 0));
    }

    [Fact]
    public void CatalogLoadsIdxFolderAndComputesStatistics()
    {
        using var dir = new TempDirectory();
        IdxFiles.WriteDataset(dir.Path, 50, 20);
        var splits = DatasetCatalog.Load("idx", dir.Path, validationSize: 10);
        Assert.Equal(40, splits.TrainIndices.Length);
        Assert.Equal(new Shape(1, 8, 8), splits.InputShape);
        // Random bytes: mean near 0.5, std near 1/sqrt(12) of the 0..1 range.
        Assert.InRange(splits.Normalization.Mean[0], 0.45f, 0.55f);
        Assert.InRange(splits.Normalization.Std[0], 0.26f, 0.32f);
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        using var dir = new TempDirectory();
        IdxFiles.WriteDataset(dir.Path, 50, 20);
        File.Delete(dir.File("t10k-labels-idx1-ubyte.gz"));
        Assert.Contains("t10k-labels-idx1-ubyte", Assert.Throws<AscaiException>(() => DatasetCatalog.Load("idx", dir.Path, 10)).Message);
    }

    [Fact]
    public void BatchesAreNormalisedAndCoverEveryImage()
    {
        var pixels = new byte[] { 0, 255, 51, 102, 0, 0, 255, 255 };
        var data = new InMemoryImages("tiny", pixels, [3, 7], 1, 2, 2, 10);
        var loader = new BatchLoader(data, new Normalization([0.5f], [0.5f]));
        using var scope = NewDisposeScope();
        var batches = loader.Batches([0, 1], 1).ToList();
        Assert.Equal(2, batches.Count);
        var (images, labels) = batches[0];
        Assert.Equal([1L, 1, 2, 2], images.shape);
        Assert.Equal(3, labels[0].item<long>());
        var expected = tensor(new[] { -1f, 1f, -0.6f, -0.2f }, [1, 1, 2, 2]);
        TensorAssert.Close(expected, images);
    }

    [Fact]
    public void AugmentationIsSeeded()
    {
        var pixels = new byte[4 * 8 * 8];
        new Random(1).NextBytes(pixels);
        var data = new InMemoryImages("tiny", pixels, [0, 1, 2, 3], 1, 8, 8, 10);
        var loader = new BatchLoader(data, new Normalization([0f], [1f]));
        using var scope = NewDisposeScope();
        var a = loader.Batches([0, 1, 2, 3], 4, new Random(5), new Augmentation(2, true)).Single().Images;
        var b = loader.Batches([0, 1, 2, 3], 4, new Random(5), new Augmentation(2, true)).Single().Images;
        TensorAssert.Close(a, b, 0);
    }
}
