using System.Text.RegularExpressions;

namespace Ascai.Tests.Cli;

/// <summary>The int8 path as a user runs it: quantise the committed small VGG, then evaluate the file alone.</summary>
public class QuantizeCommandTests
{
    [Fact]
    public void AQuantisedModelKeepsItsAccuracyAndTheFileAloneReproducesIt()
    {
        using var dir = new TempDirectory();
        string model = Repository.Model("vgg-small-fashion-mnist.ascai"), output = dir.File("vgg-int8.onnx");
        var quantized = Cli.Run(dir.Path, ["quantize", "--model", model, "--out", output, "--calibration-images", "256"], TimeSpan.FromMinutes(5));
        Assert.True(quantized.ExitCode == 0, quantized.Stderr);
        var test = Regex.Match(quantized.Stdout, @"test accuracy in ONNX Runtime: float32 ([\d.]+)%, int8 ([\d.]+)%");
        Assert.True(test.Success, quantized.Stdout);
        double before = double.Parse(test.Groups[1].Value), after = double.Parse(test.Groups[2].Value);
        // Post-training int8 of a conv net costs a few tenths of a point at most; a broken scale costs tens of points.
        Assert.InRange(after, before - 0.5, before + 0.5);

        var evaluated = Cli.Run(dir.Path, ["eval", "--model", output], TimeSpan.FromMinutes(2));
        Assert.True(evaluated.ExitCode == 0, evaluated.Stderr);
        Assert.Contains($"ONNX Runtime int8: test accuracy {after:F2}%", evaluated.Stdout);
    }
}
