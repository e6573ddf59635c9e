using Ascai.Data;

namespace Ascai.Tests.Data;

/// <summary>NumPy files as numpy.save and numpy.savez_compressed write them (tests/fixtures/data/make_fixtures.py).</summary>
public class NpyTests
{
    [Fact]
    public void ArraysInEveryLayoutReadAsTheirPixelsAndLabels()
    {
        string dir = Repository.Fixture("data/npy");
        var data = DatasetCatalog.Load(new DataOptions { Dataset = "npy", DataDir = dir, ValidationRange = "4:6" });
        var expected = File.ReadAllBytes(Path.Combine(dir, "expected.bin"));
        const int size = 3 * 5 * 4;
        // Training split: uint8, N x C x H x W, int64 labels.
        Assert.Equal((3, 5, 4), (data.Train.Channels, data.Train.Height, data.Train.Width));
        Assert.False(data.Train.HoldsFloats);
        var train = new byte[6 * size];
        data.Train.Read(Enumerable.Range(0, 6).ToArray(), train);
        Assert.Equal(expected[..(6 * size)], train);
        Assert.Equal([0, 1, 2, 1, 0, 2], data.Train.Labels);
        // Test split: float32 channels-last in an .npz, uint8 labels, on the 0..1 scale.
        int at = 6 * size + 6 * 4;
        Assert.True(data.Test.HoldsFloats);
        var test = new float[4 * size];
        data.Test.ReadFloats(Enumerable.Range(0, 4).ToArray(), test);
        for (int i = 0; i < test.Length; i++) Assert.Equal(expected[at + i] / 255f, test[i]);
        Assert.Equal([2, 0, 1, 1], data.Test.Labels);
        Assert.Equal([4, 5], data.ValidationIndices);
        Assert.Equal([0, 1, 2, 3], data.TrainIndices);
    }

    [Fact]
    public void BrokenFilesAreOneClearError()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("x.npy"), "not numpy");
        Assert.Contains("bad magic", Assert.Throws<AscaiException>(() => NpyReader.Read(dir.File("x.npy"))).Message);
        var good = File.ReadAllBytes(Repository.Fixture("data/npy/train_images.npy"));
        File.WriteAllBytes(dir.File("cut.npy"), good[..^10]);
        Assert.Contains("truncated", Assert.Throws<AscaiException>(() => NpyReader.Read(dir.File("cut.npy"))).Message);
        File.Copy(Repository.Fixture("data/npy/train_images.npy"), dir.File("train_images.npy"));
        File.WriteAllBytes(dir.File("train_labels.npy"), File.ReadAllBytes(Repository.Fixture("data/npy/train_labels.npy")));
        Assert.Contains("no test arrays", Assert.Throws<AscaiException>(() => DatasetCatalog.Load(new DataOptions { Dataset = "npy", DataDir = dir.Path })).Message);
    }
}
