using static TorchSharp.torch;

namespace Ascai.Tests;

/// <summary>Assertions on tensors.</summary>
internal static class TensorAssert
{
    public static void Close(Tensor expected, Tensor actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.shape, actual.shape);
        double diff = (expected - actual).abs().max().item<float>();
        Assert.True(diff <= tolerance, $"max abs difference {diff} > {tolerance}");
    }
}
