using Ascai.Data;

namespace Ascai.Tests.Data;

public class IdxReaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsRawAndGzip(bool gzip)
    {
        using var dir = new TempDirectory();
        var data = Enumerable.Range(0, 2 * 3 * 4).Select(i => (byte)i).ToArray();
        IdxFiles.Write(dir.File("x"), [2, 3, 4], data, gzip);
        var (dims, read) = IdxReader.Read(dir.File("x"));
        Assert.Equal([2, 3, 4], dims);
        Assert.Equal(data, read);
    }

    [Fact]
    public void TruncatedFileIsNamed()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("t"), IdxFiles.Encode([2, 3, 4], new byte[24])[..^5]);
        var e = Assert.Throws<AscaiException>(() => IdxReader.Read(dir.File("t")));
        Assert.Contains(dir.File("t"), e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void BadMagicIsRejected()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("m"), [1, 2, 3, 4, 5, 6, 7, 8]);
        Assert.Contains("not an IDX file", Assert.Throws<AscaiException>(() => IdxReader.Read(dir.File("m"))).Message);
    }

    [Fact]
    public void CorruptGzipIsRejected()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("g"), [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff]);
        Assert.Contains("gzip", Assert.Throws<AscaiException>(() => IdxReader.Read(dir.File("g"))).Message);
    }

    [Fact]
    public void MismatchedLabelCountIsRejected()
    {
        using var dir = new TempDirectory();
        IdxFiles.Write(dir.File("i"), [3, 2, 2], new byte[12], gzip: false);
        IdxFiles.Write(dir.File("l"), [2], [0, 1], gzip: false);
        var e = Assert.Throws<AscaiException>(() => IdxReader.ReadPair(dir.File("i"), dir.File("l")));
        Assert.Contains("2 labels do not match the 3 images", e.Message);
    }

    [Fact]
    public void LabelOutOfRangeIsRejected()
    {
        using var dir = new TempDirectory();
        IdxFiles.Write(dir.File("i"), [2, 2, 2], new byte[8], gzip: false);
        IdxFiles.Write(dir.File("l"), [2], [0, 12], gzip: false);
        Assert.Contains("label 12", Assert.Throws<AscaiException>(() => IdxReader.ReadPair(dir.File("i"), dir.File("l"))).Message);
    }
}
