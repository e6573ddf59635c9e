using Ascai.Data;
using Ascai.Graph;
using Ascai.Onnx;
using Ascai.Onnx.Proto;
using Ascai.Quantization;
using Ascai.Tests.Compression;
using static TorchSharp.torch;

namespace Ascai.Tests.Quantization;

public class Int8QuantizerTests
{
    private static Model Zoo(string name, string input) => new(ZooGraphs.Create(name, input), new ModelInfo { Architecture = name, NumClasses = 10 });

    private static (Int8Model Int8, DatasetSplits Data) Quantize(Model model, string input, Int8Options? options = null)
    {
        var data = MeanCompensationTests.RandomImages(input, 64);
        model.Info = model.Info with { Normalization = data.Normalization };
        return (Int8Quantizer.Quantize(model, data.Train, data.TrainIndices, options), data);
    }

    private static Tensor Images(DatasetSplits data) => new BatchLoader(data.Train, data.Normalization).Make(data.TrainIndices).Images;

    [Theory]
    [InlineData("vgg-small", "1x28x28")]
    [InlineData("resnet20", "3x16x16")]
    [InlineData("mobilenetv2", "3x16x16")]
    public void Int8OutputsStayWithinTheQuantisationErrorOfTheFloatModel(string name, string input)
    {
        using var model = Zoo(name, input);
        var (int8, data) = Quantize(model, input);
        using var session = int8.Session();
        using var scope = NewDisposeScope();
        var x = Images(data);
        using var _ = inference_mode();
        var expected = model.Graph.Forward(x);
        var actual = session.Run(x);
        // Bound: each of the L quantised layers adds rounding noise of about half a step (1/255 of an activation's range,
        // 1/127 of a weight channel's); relative to the output's spread the errors add up to a few per cent, not more.
        double spread = (expected.max() - expected.min()).item<float>();
        double error = (actual - expected).abs().mean().item<float>();
        Assert.True(error < 0.03 * spread, $"mean error {error:G3} against an output spread of {spread:G3}");
        Assert.True(error > 0, "an int8 model that reproduces float32 exactly was not quantised");
    }

    [Fact]
    public void OnnxRuntimeRunsEveryQuantisedConvAsAnInt8Kernel()
    {
        using var model = Zoo("vgg-small", "1x28x28");
        var (int8, _) = Quantize(model, "1x28x28");
        var operators = OnnxRuntimeSession.OptimizedOperators(int8.Onnx);
        Assert.Equal(6, operators.GetValueOrDefault("QLinearConv"));
        Assert.False(operators.ContainsKey("Conv"), string.Join(", ", operators.Select(p => $"{p.Key} {p.Value}")));
    }

    [Fact]
    public void ALayerLeftInFloat32KeepsItsFloatWeightsBitForBit()
    {
        using var model = Zoo("vgg-small", "1x28x28");
        var (int8, _) = Quantize(model, "1x28x28", new Int8Options { Float32Layers = ["conv3"] });
        Assert.DoesNotContain("conv3", int8.Int8Layers);
        using var folded = BatchNormFolding.Fold(model.Graph);
        var reference = ModelProto.Parser.ParseFrom(OnnxExporter.Export(folded)).Graph;
        var quantized = ModelProto.Parser.ParseFrom(int8.Onnx).Graph;
        var floatConv = quantized.Node.Single(n => n.Name == "conv3");
        Assert.Equal(reference.Node.Single(n => n.Name == "conv3").Input.Skip(1), floatConv.Input.Skip(1));
        foreach (string weight in floatConv.Input.Skip(1))
            Assert.Equal(reference.Initializer.Single(t => t.Name == weight).RawData, quantized.Initializer.Single(t => t.Name == weight).RawData);
        // Its neighbours are int8: their weights are read through DequantizeLinear.
        Assert.StartsWith("conv2.weight_dequantized", quantized.Node.Single(n => n.Name == "conv2").Input[1]);
    }

    [Fact]
    public void WithEveryLayerInFloat32TheModelIsTheFloatModel()
    {
        using var model = Zoo("resnet20", "3x16x16");
        var (int8, data) = Quantize(model, "3x16x16", new Int8Options { Float32Layers = ["*"] });
        Assert.Empty(int8.Int8Layers);
        using var folded = BatchNormFolding.Fold(model.Graph);
        using var reference = new OnnxRuntimeSession(OnnxExporter.Export(folded));
        using var session = int8.Session();
        using var scope = NewDisposeScope();
        var x = Images(data);
        Assert.True(reference.Run(x).eq(session.Run(x)).all().item<bool>());
    }

    [Fact]
    public void MinMaxCalibrationFindsTheExtremesAndPercentileClipsInsideThem()
    {
        using var model = Zoo("lenet5", "1x28x28");
        var data = MeanCompensationTests.RandomImages("1x28x28", 64);
        using var scope = NewDisposeScope();
        var x = new BatchLoader(data.Train, data.Normalization).Make(data.TrainIndices).Images;
        var minMax = ActivationCalibration.Calibrate(model.Graph, () => [x], CalibrationMethod.MinMax, 100);
        Assert.Equal(x.min().item<float>(), minMax["input"].Min);
        Assert.Equal(x.max().item<float>(), minMax["input"].Max);
        var all = ActivationCalibration.Calibrate(model.Graph, () => [x], CalibrationMethod.Percentile, 100);
        Assert.Equal(minMax["input"], all["input"]);
        var clipped = ActivationCalibration.Calibrate(model.Graph, () => [x], CalibrationMethod.Percentile, 99);
        foreach (var (tensor, range) in clipped)
        {
            Assert.InRange(range.Min, minMax[tensor].Min, minMax[tensor].Max);
            Assert.InRange(range.Max, range.Min, minMax[tensor].Max);
        }
        Assert.True(clipped.Count(p => p.Value.Max < minMax[p.Key].Max) > clipped.Count / 2, "99% clips the top of most activations");
    }

    [Fact]
    public void AnInt8FileReadsBackWithItsModelInformation()
    {
        using var model = Zoo("vgg-small", "1x28x28");
        var (int8, _) = Quantize(model, "1x28x28");
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "m.onnx");
        int8.Save(path);
        var back = Int8Model.TryLoad(path);
        Assert.NotNull(back);
        Assert.Equal(int8.Int8Layers, back.Int8Layers);
        Assert.Equal(int8.Macs, back.Macs);
        Assert.Equal(model.Info.Normalization.Mean, back.Info.Normalization.Mean);
        Assert.Equal(new Shape(1, 28, 28).ToString(), back.InputShape.ToString());
        string plain = Path.Combine(dir.Path, "float.onnx");
        File.WriteAllBytes(plain, OnnxExporter.Export(model.Graph));
        Assert.Null(Int8Model.TryLoad(plain));
    }

    [Fact]
    public void AFloat32PatternThatNamesNoLayerIsRefused()
    {
        using var model = Zoo("lenet5", "1x28x28");
        var e = Assert.Throws<SettingException>(() => Quantize(model, "1x28x28", new Int8Options { Float32Layers = ["nosuch*"] }));
        Assert.Contains("nosuch*", e.Message);
        Assert.Throws<SettingException>(() => new Int8Options { Percentile = 30 }.Validate());
        Assert.Throws<SettingException>(() => new Int8Options { CalibrationImages = 0 }.Validate());
    }
}
