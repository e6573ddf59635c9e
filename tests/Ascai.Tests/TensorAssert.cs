using static TorchSharp.torch;

namespace Ascai.Tests;

/// <summary>Assertions on tensors.</summary>
internal static class TensorAssert
{
    public static void Close(Tensor expected, Tensor actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.shape, actual.shape);
        double diff = (expected - actual).abs().max().item<float>();
        Assert.True(diff <= tolerance, $"max abs difference {diff} > {tolerance} (largest |expected| {expected.abs().max().item<float>()})");
    }

    /// <summary>Close relative to the largest expected magnitude: for float32 results of different summation orders.</summary>
    public static void RelativelyClose(Tensor expected, Tensor actual, double tolerance = 1e-5)
    {
        double scale = Math.Max(1.0, expected.abs().max().item<float>());
        Close(expected, actual, tolerance * scale);
    }
}
