using Ascai.Evaluation;

namespace Ascai.Tests.Evaluation;

/// <summary>The fit of a latency table's int8 scales: least squares on relative errors, neither scale negative.</summary>
public class LatencyCalibrationTests
{
    [Fact]
    public void NetworksMadeByKnownScalesGiveThoseScalesBack()
    {
        // Measured = float32 + 0.7 x kernels + 1.8 x conversions, exactly.
        var points = new[] { (0.0, 6.0, 1.0), (2.0, 3.0, 2.0), (5.0, 1.0, 0.5), (1.0, 4.0, 3.0) }
            .Select(p => (p.Item1, p.Item2, p.Item3, p.Item1 + 0.7 * p.Item2 + 1.8 * p.Item3)).ToList();
        var (kernels, conversions) = LatencyCalibration.Fit(points, anchors: 1);
        Assert.Equal(0.7, kernels, 9);
        Assert.Equal(1.8, conversions, 9);
    }

    [Fact]
    public void ScalesThatWouldBeNegativeAreHeldAtZero()
    {
        // The unconstrained fit would give the conversions a negative scale (they grow where the measurement falls).
        var points = new[] { (0.0, 4.0, 1.0, 4.0), (0.0, 4.0, 3.0, 3.0), (0.0, 2.0, 1.0, 2.0) }.ToList();
        var (kernels, conversions) = LatencyCalibration.Fit(points, anchors: 1);
        Assert.True(kernels >= 0 && conversions >= 0);
        Assert.Equal(0, conversions);
    }

    [Fact]
    public void OneNetworkAloneIsPredictedAsMeasuredWithOneScaleForBoth()
    {
        // The all-int8 original alone cannot tell kernels from conversions: the anchors' shared scale predicts it exactly.
        var (kernels, conversions) = LatencyCalibration.Fit([(1.0, 5.0, 1.0, 4.0)], anchors: 0.5);
        Assert.Equal(0.5, kernels, 12);
        Assert.Equal(0.5, conversions, 12);
        Assert.Equal(4.0, 1.0 + kernels * 5.0 + conversions * 1.0, 9);
    }
}
