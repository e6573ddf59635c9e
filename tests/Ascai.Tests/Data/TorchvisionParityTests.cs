using System.Text.Json;
using Ascai.Data;

namespace Ascai.Tests.Data;

/// <summary>
/// Image folders read as torchvision reads them (tests/fixtures/data/make_parity_fixtures.py records what torchvision and
/// PIL make of them): the same classes in the same order (Python sorts by code points), the same files (torchvision's
/// extensions), and the same pixels for the formats SkiaSharp does not decode or decodes otherwise.
/// </summary>
public class TorchvisionParityTests
{
    private static string Fixture(string name) => Path.Combine(Repository.Root, "tests", "fixtures", "data", name);

    [Fact]
    public void ClassesAndFilesAreListedAsTorchvisionListsThem()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixture("listing.json")));
        using var dir = new TempDirectory();
        foreach (var file in doc.RootElement.GetProperty("files").EnumerateArray())
        {
            string path = Path.Combine(dir.Path, file.GetString()!);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, []);
        }
        var folder = ImageFolder.Open(dir.Path, new ImageTransform(3, null, 8, 8, Crop: false));
        var expected = doc.RootElement.GetProperty("samples").EnumerateArray().Select(s => (s[0].GetString()!, s[1].GetInt32())).ToList();
        var listed = Enumerable.Range(0, folder.Count).Select(i => (Path.GetRelativePath(dir.Path, folder.File(i)), folder.Labels[i])).ToList();
        Assert.Equal(expected, listed);
        Assert.Equal(doc.RootElement.GetProperty("classes").EnumerateArray().Select(c => c.GetString()), folder.ClassNames);
    }

    [Theory]
    [InlineData("grey16.png")]
    [InlineData("palette.png")]
    [InlineData("rgb.ppm")]
    [InlineData("grey.pgm")]
    [InlineData("grey16.pgm")]
    [InlineData("rgb.tif")]
    [InlineData("grey.tif")]
    public void PixelsAreWhatPilGives(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixture("formats.json")));
        byte[] pil = Convert.FromBase64String(doc.RootElement.GetProperty(file).GetString()!);
        var (planes, w, h) = ImageDecoder.Decode(Path.Combine(Fixture("formats"), file), 3);
        Assert.Equal(pil.Length, planes.Length);
        var interleaved = new byte[planes.Length];
        for (int i = 0; i < w * h; i++)
            for (int c = 0; c < 3; c++) interleaved[3 * i + c] = planes[c * w * h + i];
        Assert.Equal(pil, interleaved);
    }
}
