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
        foreach (string forged in new[] { "(-3, 2)", "(4294967296, 4294967296)" })
        {
            File.WriteAllBytes(dir.File("forged.npy"), Npy("{'descr': '|u1', 'fortran_order': False, 'shape': " + forged + ", }"));
            var error = Assert.Throws<AscaiException>(() => NpyReader.Read(dir.File("forged.npy"))).Message;
            Assert.StartsWith(dir.File("forged.npy") + ":", error);
        }
        File.Copy(Repository.Fixture("data/npy/train_images.npy"), dir.File("train_images.npy"));
        File.WriteAllBytes(dir.File("train_labels.npy"), File.ReadAllBytes(Repository.Fixture("data/npy/train_labels.npy")));
    }

    [Fact]
    public void AFolderNeedsOnlyTheSplitsACommandUses()
    {
        using var dir = new TempDirectory();
        foreach (string file in new[] { "train_images.npy", "train_labels.npy" }) File.Copy(Repository.Fixture("data/npy/" + file), dir.File(file));
        var data = DatasetCatalog.Load(new DataOptions { Dataset = "npy", DataDir = dir.Path, ValidationRange = "4:6" });
        Assert.Equal([4, 5], data.ValidationIndices);
        Assert.Equal(0, data.Test.Count); // nothing to report a test accuracy on, and nothing refused for it
        Assert.Contains("absent", data.Test.Name);
    }

    // A version 1.0 .npy file of this header and no data.
    private static byte[] Npy(string header)
    {
        header = header.PadRight(64 - 10 - 1) + "\n";
        return [0x93, .. "NUMPY"u8, 1, 0, (byte)header.Length, 0, .. System.Text.Encoding.ASCII.GetBytes(header)];
    }

    // Float arrays are taken on the 0..1 scale of transforms.ToTensor, or normalised: 0..255 is refused, not fed.
    private static NpyArray Floats(params float[] values) =>
        new("x.npy", [values.Length, 1, 1, 1], "<f4", values.SelectMany(BitConverter.GetBytes).ToArray());

    private static NpyArray Labels(int n) => new("y.npy", [n], "|u1", new byte[n]);

    [Fact]
    public void ImagesOnTheToTensorScaleAreTaken()
    {
        Assert.Equal(4, NpyImages.Of(Floats(0, 0.5f, 1, 1.0004f), Labels(4), channels: 1).Count);
        Assert.Equal(3, NpyImages.Of(Floats(-2.1f, 0.3f, 2.6f), Labels(3), channels: 1).Count); // normalised, for --mean 0 --std 1
    }

    [Theory]
    [InlineData(new float[] { 0, 17, 254 }, "on the 0..255 scale? divide them by 255")]
    [InlineData(new float[] { 0, float.NaN, 1 }, "image 1 holds a non-finite value")]
    public void ImagesOnAnotherScaleAreRefused(float[] values, string said)
    {
        var error = Assert.Throws<AscaiException>(() => NpyImages.Of(Floats(values), Labels(values.Length), channels: 1));
        Assert.Contains(said, error.Message);
        Assert.StartsWith("x.npy:", error.Message);
    }
}
