using Ascai.Compression;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Search;
using Ascai.Serialization;

namespace Ascai.Tests.Data;

/// <summary>Image folders in torchvision's layout, against the same images as IDX files, and against PIL's own pixels.</summary>
public class ImageFolderTests
{
    // Class names that sort differently as text than as label numbers, as a user's folders would.
    private static readonly string[] Classes = ["0-tshirt", "1-trouser", "2-pullover", "3-dress", "4-coat", "5-sandal", "6-shirt", "7-sneaker", "8-bag", "9-boot"];

    /// <summary>
    /// 2,000 training and 500 test images of Fashion-MNIST, ordered by class as an image folder lists them, written both as
    /// IDX files and as a PNG folder.
    /// </summary>
    private static (string Idx, string Folder) Write(string root)
    {
        var full = DatasetCatalog.Load("fashion-mnist");
        string idx = Path.Combine(root, "idx"), folder = Path.Combine(root, "folder");
        Directory.CreateDirectory(idx);
        foreach (var (source, count, stem, split) in new[] { (full.Train, 2000, "train", "train"), (full.Test, 500, "t10k", "test") })
        {
            var images = (InMemoryImages)source;
            var order = Enumerable.Range(0, count).OrderBy(i => images.Labels[i]).ThenBy(i => i).ToArray();
            var pixels = order.SelectMany(i => images.Pixels(i).ToArray()).ToArray();
            IdxFiles.Write(Path.Combine(idx, $"{stem}-images-idx3-ubyte"), [count, 28, 28], pixels, gzip: false);
            IdxFiles.Write(Path.Combine(idx, $"{stem}-labels-idx1-ubyte"), [count], order.Select(i => (byte)images.Labels[i]).ToArray(), gzip: false);
            ImageFiles.WriteFolder(Path.Combine(folder, split), images, order, Classes);
        }
        return (idx, folder);
    }

    [Fact]
    public void AFolderOfPngsIsTheSameDataAsItsIdxFilesDownToTheSearchJournal()
    {
        using var dir = new TempDirectory();
        var (idx, folder) = Write(dir.Path);
        var options = new DataOptions { Dataset = "idx", DataDir = idx, ValidationSize = 300 };
        var fromIdx = DatasetCatalog.Load(options, seed: 0);
        var fromFolder = DatasetCatalog.Load(options with { Dataset = "folder", DataDir = folder }, new Ascai.Graph.Shape(1, 28, 28), seed: 0);
        Assert.Equal(Classes, fromFolder.ClassNames);
        Assert.Equal(fromIdx.Train.Labels, fromFolder.Train.Labels);
        Assert.Equal(fromIdx.ValidationIndices, fromFolder.ValidationIndices);
        var a = new byte[fromIdx.Train.Count * 784];
        var b = new byte[a.Length];
        fromIdx.Train.Read(Enumerable.Range(0, fromIdx.Train.Count).ToArray(), a);
        fromFolder.Train.Read(Enumerable.Range(0, fromFolder.Train.Count).ToArray(), b);
        Assert.True(a.AsSpan().SequenceEqual(b), "the decoded PNGs are the IDX pixels");

        // The same model scores, ranks channels and searches identically on both.
        using var model = ModelFile.Load(Repository.Model("vgg-small-fashion-mnist.ascai"));
        double Accuracy(DatasetSplits d) => Evaluator.Evaluate(model.Graph, d.Test, d.TestIndices, model.Info.Normalization).Accuracy;
        Assert.Equal(Accuracy(fromIdx), Accuracy(fromFolder));
        using var masked = model.Graph.Clone();
        MaskPlacement.EnsureAll(masked);
        var ranking = ChannelImportance.Taylor(masked, fromIdx.Validation, fromIdx.ValidationIndices, model.Info.Normalization);
        Assert.Equal(ranking, ChannelImportance.Taylor(masked, fromFolder.Validation, fromFolder.ValidationIndices, model.Info.Normalization));

        string Journal(DataOptions data, string run)
        {
            var config = new SearchConfig
            {
                Model = Repository.Model("vgg-small-fashion-mnist.ascai"), MaxDrop = 1, Confirmation = 0, Confidence = null, FineTune = null, Evaluation = new Ascai.Evaluation.EvaluationSpec { Include = ["conv5", "conv6"] },
                Options = new SearchOptions { Population = 4, Generations = 2, Budget = 20, Seed = 2 },
            } with { Data = data };
            SearchRunner.Start(config, Path.Combine(dir.Path, run));
            return string.Join("\n", Ascai.Search.Journal.Read(Path.Combine(dir.Path, run, RunStore.JournalFile))
                .Select(r => $"{EvaluationRecord.Key(r.Genome)} {r.ValAccuracy} {r.Macs}"));
        }
        Assert.Equal(Journal(options, "idx-run"), Journal(options with { Dataset = "folder", DataDir = folder }, "folder-run"));
    }

    [Fact]
    public void ResizeAndCenterCropGiveTorchvisionsPixelsExactly()
    {
        using var file = File.OpenRead(Repository.Fixture("data/resize.bin"));
        using var reader = new BinaryReader(file);
        int cases = reader.ReadInt32();
        for (int k = 0; k < cases; k++)
        {
            int c = reader.ReadInt32(), w = reader.ReadInt32(), h = reader.ReadInt32(), s = reader.ReadInt32(), crop = reader.ReadInt32();
            var source = reader.ReadBytes(c * w * h);
            var expected = reader.ReadBytes(c * crop * crop);
            var (rw, rh) = PillowResize.ShorterSideTo(w, h, s);
            var resized = PillowResize.Resize(source, c, w, h, rw, rh);
            var actual = PillowResize.CenterCrop(resized, c, rw, rh, crop, crop);
            var (left, top) = PillowResize.CenterOffsets(rw, rh, crop, crop);
            Assert.Equal(actual, PillowResize.Resize(source, c, w, h, rw, rh, left, top, crop, crop)); // the window alone, the same bytes
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"case {k}: {c}x{h}x{w} -> Resize({s}) -> CenterCrop({crop}) differs from torchvision's in " +
                $"{expected.Zip(actual).Count(p => p.First != p.Second)} of {expected.Length} values");
        }
    }

    [Fact]
    public void JpegAndPngDecodeAsPilDecodesThem()
    {
        var pil = File.ReadAllBytes(Repository.Fixture("data/decoded.bin")); // H x W x 3
        var (planes, w, h) = ImageDecoder.Decode(Repository.Fixture("data/photo.jpg"), 3);
        Assert.Equal((64, 48), (w, h));
        int differ = 0, worst = 0;
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < w * h; i++)
            {
                int d = Math.Abs(planes[c * w * h + i] - pil[3 * i + c]);
                if (d > 0) differ++;
                worst = Math.Max(worst, d);
            }
        // libjpeg-turbo in both, same IDCT and upsampling.
        Assert.True(worst == 0, $"{differ} of {3 * w * h} values differ from PIL's, by up to {worst}");
        var (png, _, _) = ImageDecoder.Decode(Repository.Fixture("data/photo.png"), 1);
        var (rgb, _, _) = ImageDecoder.Decode(Repository.Fixture("data/photo.png"), 3);
        for (int i = 0; i < w * h; i++) // PIL's convert("L") of the lossless copy
            Assert.Equal((byte)((rgb[i] * 19595 + rgb[w * h + i] * 38470 + rgb[2 * w * h + i] * 7471 + 0x8000) >> 16), png[i]);
    }

    [Fact]
    public void ADataSetLargerThanTheCacheStreamsThroughItAndReadsTheSame()
    {
        using var dir = new TempDirectory();
        var full = (InMemoryImages)DatasetCatalog.Load("fashion-mnist").Test;
        ImageFiles.WriteFolder(Path.Combine(dir.Path, "all"), full, Enumerable.Range(0, 300).ToArray(), Classes);
        var transform = new ImageTransform(1, null, 28, 28, Crop: false);
        var small = ImageFolder.Open(Path.Combine(dir.Path, "all"), transform, cacheBytes: 50 * 784); // 50 of 300 images
        var uncached = ImageFolder.Open(Path.Combine(dir.Path, "all"), transform, cacheBytes: 0);
        var all = Enumerable.Range(0, 300).ToArray();
        var a = new byte[300 * 784];
        var b = new byte[300 * 784];
        for (int pass = 0; pass < 2; pass++) small.Read(all, a);
        uncached.Read(all, b);
        Assert.True(a.AsSpan().SequenceEqual(b));
        Assert.True(small.CachedBytes <= 50 * 784, $"{small.CachedBytes} bytes cached");
    }

    // A name of bytes that are not UTF-8 (a folder copied from an old Latin-1 machine) is one error naming it.
    [Fact]
    public void ANameThatIsNotUtf8IsRefusedUpFront()
    {
        using var dir = new TempDirectory();
        var full = (InMemoryImages)DatasetCatalog.Load("fashion-mnist").Test;
        ImageFiles.WriteFolder(Path.Combine(dir.Path, "all"), full, Enumerable.Range(0, 20).ToArray(), Classes);
        // .NET cannot spell such a name (nor remove it); the shell can.
        void Shell(string command)
        {
            using var shell = System.Diagnostics.Process.Start("/bin/sh", ["-c", command, dir.Path])!;
            shell.WaitForExit();
            Assert.Equal(0, shell.ExitCode);
        }
        Shell("mv \"$0/all/0-tshirt\" \"$0/all/0-t$(printf '\\351')shirt\"");
        AscaiException error;
        try { error = Assert.Throws<AscaiException>(() => ImageFolder.Open(Path.Combine(dir.Path, "all"), new ImageTransform(1, null, 28, 28, Crop: false))); }
        finally { Shell("rm -rf \"$0/all\""); }
        Assert.EndsWith("0-t?shirt: a name that is not valid UTF-8; rename it", error.Message);
    }
}
