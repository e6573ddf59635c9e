using Ascai.Data;
using Ascai.Graph;
using static TorchSharp.torch;

namespace Ascai.Tests.Data;

/// <summary>Images kept as bytes and normalised per pass are, to the bit, the batches a loader makes.</summary>
public class StoredBatchesTests
{
    [Fact]
    public void NormalisedBytesEqualTheLoadersBatches()
    {
        using var dir = new TempDirectory();
        var grey = DatasetCatalog.Load("fashion-mnist");
        var rgb = DatasetCatalog.Load(new DataOptions { Dataset = "folder", DataDir = ShapeImages.Write(dir.File("shapes"), "train", "test"), Resize = 72, Crop = 64, ValidationSize = 50 });
        foreach (var (data, normalization) in new[] { (grey, Normalization.FashionMnist), (rgb, new Normalization([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f])) })
        {
            using var scope = NewDisposeScope();
            var loader = new BatchLoader(data.Train, normalization);
            var indices = data.TrainIndices[..100];
            var stored = loader.StoredBatches(indices, 30).ToList();
            Assert.All(stored, b => Assert.Equal(ScalarType.Byte, b.Pixels.dtype)); // a quarter of the floats' memory
            foreach (var ((pixels, labels), (images, expected)) in stored.Zip(loader.Batches(indices, 30)))
            {
                var normalised = loader.Normalise(pixels);
                Assert.Equal(images.shape, normalised.shape);
                Assert.True(normalised.eq(images).all().item<bool>(), $"{data.Name}: normalised bytes differ from the loader's floats");
                Assert.Equal(expected.data<long>().ToArray(), labels.data<long>().ToArray());
            }
        }
    }
}
