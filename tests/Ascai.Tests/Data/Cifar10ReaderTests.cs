using Ascai.Data;

namespace Ascai.Tests.Data;

public class Cifar10ReaderTests
{
    private static byte[] Records(int count)
    {
        var bytes = new byte[count * 3073];
        for (int r = 0; r < count; r++)
        {
            bytes[r * 3073] = (byte)(r % 10);
            for (int p = 1; p < 3073; p++) bytes[r * 3073 + p] = (byte)(p + r);
        }
        return bytes;
    }

    [Fact]
    public void ReadsRecordsAcrossFiles()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("a.bin"), Records(3));
        File.WriteAllBytes(dir.File("b.bin"), Records(2));
        var data = Cifar10Reader.Read([dir.File("a.bin"), dir.File("b.bin")]);
        Assert.Equal(5, data.Count);
        Assert.Equal([0, 1, 2, 0, 1], data.Labels);
        Assert.Equal((3, 32, 32), (data.Channels, data.Height, data.Width));
        Assert.Equal((byte)(1 + 1), data.Pixels(1)[0]); // record 1's first pixel: p = 1, r = 1
    }

    [Fact]
    public void TruncatedFileIsNamed()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("t.bin"), Records(2)[..^7]);
        var e = Assert.Throws<AscaiException>(() => Cifar10Reader.Read([dir.File("t.bin")]));
        Assert.Contains("t.bin", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void BadLabelIsRejected()
    {
        using var dir = new TempDirectory();
        var bytes = Records(1);
        bytes[0] = 10;
        File.WriteAllBytes(dir.File("l.bin"), bytes);
        Assert.Contains("label 10", Assert.Throws<AscaiException>(() => Cifar10Reader.Read([dir.File("l.bin")])).Message);
    }

    [Fact]
    public void CatalogFindsBatchFolder()
    {
        using var dir = new TempDirectory();
        string root = Directory.CreateDirectory(dir.File("cifar-10-batches-bin")).FullName;
        File.WriteAllBytes(Path.Combine(root, "data_batch_1.bin"), Records(20));
        File.WriteAllBytes(Path.Combine(root, "test_batch.bin"), Records(5));
        var splits = DatasetCatalog.Load("cifar10", dir.Path, validationSize: 4);
        Assert.Equal(16, splits.TrainIndices.Length);
        Assert.Equal(5, splits.Test.Count);
        Assert.Equal("airplane", splits.ClassNames[0]);
    }
}
