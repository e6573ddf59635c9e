using Ascai.Compression;
using Ascai.Data;
using Ascai.Distributed;
using Ascai.Serialization;

namespace Ascai.Tests.Distributed;

public class ValidationImagesTests
{
    /// <summary>
    /// A worker gets the validation and calibration images only; it must compress and score a candidate exactly as
    /// the search process does, so the unpacked splits hold the same images, in the same order, in both roles.
    /// </summary>
    [Fact]
    public void AWorkerSeesTheSameValidationAndCalibrationImages()
    {
        var data = DatasetCatalog.Load("fashion-mnist", null, 100);
        var unpacked = ValidationImages.Unpack(ValidationImages.Pack(data), "packed", data.Normalization);
        Assert.Equal(data.ValidationIndices.Length, unpacked.ValidationIndices.Length);
        Assert.Equal(DatasetSplits.DefaultCalibrationSize, unpacked.CalibrationIndices.Length);
        void SameImages(int[] original, int[] packed)
        {
            for (int i = 0; i < original.Length; i++)
            {
                Assert.Equal(data.Train.Labels[original[i]], unpacked.Train.Labels[packed[i]]);
                Assert.True(((InMemoryImages)data.Train).Pixels(original[i]).SequenceEqual(((InMemoryImages)unpacked.Train).Pixels(packed[i])));
            }
        }
        SameImages(data.ValidationIndices, unpacked.ValidationIndices);
        SameImages(data.CalibrationIndices, unpacked.CalibrationIndices);

        // And so the same fitted compensation: equal moments from either side.
        using var model = ModelFile.Load(Repository.Model("vgg-small-fashion-mnist.ascai"));
        var context = new CompressionContext { Data = data, Normalization = model.Info.Normalization, Fill = PrunedChannelFill.Linear };
        var worker = context with { Data = unpacked };
        using var masked = model.Graph.Clone();
        MaskPlacement.EnsureAll(masked);
        foreach (var group in MaskPlacement.Candidates(masked))
        {
            var expected = context.MomentsOf(masked, group);
            var actual = worker.MomentsOf(masked, group);
            Assert.NotEmpty(expected);
            foreach (var (name, m) in expected) Assert.Equal(m.Values, actual[name].Values);
        }
    }
}
