using Ascai.Cost;
using Ascai.Onnx;
using Ascai.Tests.Compression;
using static TorchSharp.torch;

namespace Ascai.Tests.Onnx;

public class OnnxImportTests
{
    /// <summary>
    /// Models exported by Debian's PyTorch (tests/fixtures/onnx/make_fixtures.py: batch-norms folded into convs,
    /// torchvision's MobileNetV2 and ResNet-18 definitions): Ascai's outputs equal PyTorch's and ONNX Runtime's.
    /// </summary>
    [Theory]
    [InlineData("vgg-bn", "1x28x28")]
    [InlineData("cifar-resnet", "3x32x32")]
    [InlineData("mobilenet-v2", "3x32x32")]
    [InlineData("resnet18", "3x32x32")]
    [InlineData("activations", "3x16x16")]   // LeakyRelu, HardSwish, squeeze-excite (HardSigmoid, Mul), SiLU, Sigmoid
    [InlineData("patterns", "3x16x16")]      // scale * x, ReduceMean, F.pad, x.view(x.size(0), -1), Softmax
    [InlineData("shuffle", "3x16x16")]      // ShuffleNetV2's chunk (Slice) and channel shuffle (Reshape, Transpose, Reshape)
    // torchvision's own blocks: DenseNet, Inception, Fire, ResNeXt, MobileNetV3 with SE, RegNetY, ShuffleNetV2, MBConv
    [InlineData("families", "3x32x32")]
    // ConvNeXt's blocks: channels-last LayerNorm, Linear and GELU (written as elementary ops at opset 13), layer scale
    [InlineData("convnext", "3x32x32")]
    public void PyTorchExportsComputeWhatPyTorchComputed(string name, string input)
    {
        byte[] onnx = Repository.OnnxFixture(name);
        using var graph = OnnxImporter.Import(onnx, name);
        Assert.Equal(Ascai.Graph.Shape.Parse(input), graph.InputShape);
        var io = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Repository.Fixture($"onnx/{name}.io.bin"))).ToArray();
        int inputs = 2 * (int)graph.InputShape.Elements;
        using var scope = NewDisposeScope();
        var x = tensor(io[..inputs], graph.InputShape.WithBatch(2));
        var expected = tensor(io[inputs..], [2, 10]);
        using var session = new OnnxRuntimeSession(onnx);
        using (inference_mode())
        {
            TensorAssert.Close(expected, graph.Forward(x), 1e-4);
            TensorAssert.Close(session.Run(x), graph.Forward(x), 1e-4);
        }
        // Folded batch-norms leave convs with biases that structured pruning treats like any conv.
        Assert.NotEmpty(new Ascai.Compression.ChannelPruning().Targets(graph));
        // What imports exports again, and ONNX Runtime runs the export as Ascai runs the graph.
        OnnxExporter.Check(graph, OnnxExporter.Export(graph));
    }

    [Fact]
    public void AModelEndingInSoftmaxGivesItsLogitsToTraining()
    {
        // Cross-entropy, distillation and Taylor importance read the scores before the Softmax, not the probabilities.
        using var graph = OnnxImporter.Load(Repository.Fixture("onnx/patterns.onnx"));
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        var x = randn(3, 3, 16, 16);
        var logits = graph.Logits(x);
        TensorAssert.Close(graph.Forward(x), logits.softmax(1), 1e-6);
        Assert.True(logits.sum(1).abs().max().item<float>() > 1e-3 || logits.lt(0).any().item<bool>(), "scores, not probabilities");
    }

    [Theory]
    [MemberData(nameof(ZooGraphs.All), MemberType = typeof(ZooGraphs))]
    public void RoundTripKeepsOutputsAndCost(string name, string input)
    {
        using var graph = ZooGraphs.Create(name, input);
        using var imported = OnnxImporter.Import(OnnxExporter.Export(graph));
        using var scope = NewDisposeScope();
        var x = ZooGraphs.Input(input);
        using (inference_mode())
            TensorAssert.RelativelyClose(graph.Forward(x), imported.Forward(x), 1e-6);
        Assert.Equal(CostModel.Profile(graph).TotalMacs, CostModel.Profile(imported).TotalMacs);
        Assert.Equal(CostModel.Profile(graph).TotalParams, CostModel.Profile(imported).TotalParams);
    }

    [Fact]
    public void UnsupportedOpIsOneClearErrorNamingIt()
    {
        var e = Assert.Throws<AscaiException>(() => OnnxImporter.Load(Repository.Fixture("onnx/unsupported.onnx")));
        Assert.Contains("op Resize is not supported", e.Message);
        Assert.Contains("node '", e.Message);
        Assert.Contains("supported: Conv, Gemm", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void NonOnnxAndTruncatedFilesAreOneClearError()
    {
        using var graph = ZooGraphs.Create("lenet5", "1x28x28");
        byte[] onnx = OnnxExporter.Export(graph);
        Assert.Contains("not an ONNX model", Assert.Throws<AscaiException>(() => OnnxImporter.Import(onnx[..(onnx.Length / 2)], "cut.onnx")).Message);
        Assert.Contains("not an ONNX model", Assert.Throws<AscaiException>(() => OnnxImporter.Import("hello, world"u8.ToArray(), "text.onnx")).Message);
    }

    [Fact]
    public void OnnxFilesLoadAndSaveAsModels()
    {
        using var dir = new TempDirectory();
        using var graph = ZooGraphs.Create("vgg-small", "1x28x28");
        Ascai.Serialization.ModelFile.Save(new Ascai.Graph.Model(graph.Clone(), new Ascai.Graph.ModelInfo { Architecture = "vgg-small" }), dir.File("m.onnx"));
        using var loaded = Ascai.Serialization.ModelFile.Load(dir.File("m.onnx"));
        Assert.Equal(10, loaded.Info.NumClasses);
        Assert.Equal(Ascai.Graph.Normalization.FashionMnist, loaded.Info.Normalization);
        using var scope = NewDisposeScope();
        var x = ZooGraphs.Input("1x28x28");
        using (inference_mode())
            TensorAssert.RelativelyClose(graph.Forward(x), loaded.Graph.Forward(x), 1e-6);
    }
}
