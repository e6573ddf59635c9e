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

/// <summary>A model must say which output is the class scores: one with several is refused, not scored on the first.</summary>
public class OnnxOutputTests
{
    private static Ascai.Onnx.Proto.ModelProto Exported() =>
        Ascai.Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(Repository.Root, "tests", "fixtures", "pytorch", "fashion-last-1000.onnx")));

    [Fact]
    public void AModelWithTwoOutputsIsRefused()
    {
        var proto = Exported();
        var last = proto.Graph.Node.Last();
        var features = proto.Graph.Output[0].Clone();
        features.Name = last.Input[0]; // what the last layer reads: a feature vector
        proto.Graph.Output.Add(features);
        var e = Assert.Throws<AscaiException>(() => Ascai.Onnx.OnnxImporter.Import(Google.Protobuf.MessageExtensions.ToByteArray(proto), "two.onnx"));
        Assert.Contains("2 outputs", e.Message);
        Assert.Contains("'logits'", e.Message);
    }

    // A forged or damaged file is one error naming it, whatever is wrong inside.
    [Theory]
    [InlineData("stride 0")]
    [InlineData("group 0")]
    [InlineData("negative dim")]
    [InlineData("huge dim")]
    [InlineData("short weights")]
    [InlineData("4-D output")]
    public void AMalformedModelIsOneErrorNamingTheFile(string damage)
    {
        var proto = Exported();
        var conv = proto.Graph.Node.First(n => n.OpType == "Conv");
        var weight = proto.Graph.Initializer.First(t => t.Name == conv.Input[1]);
        switch (damage)
        {
            case "stride 0": conv.Attribute.First(a => a.Name == "strides").Ints[0] = 0; break;
            case "group 0":
                conv.Attribute.Where(a => a.Name == "group").ToList().ForEach(a => conv.Attribute.Remove(a));
                conv.Attribute.Add(new Ascai.Onnx.Proto.AttributeProto { Name = "group", Type = Ascai.Onnx.Proto.AttributeProto.Types.AttributeType.Int, I = 0 });
                break;
            case "negative dim": weight.Dims[0] = -weight.Dims[0]; break;
            case "huge dim": weight.Dims[0] = 1L << 40; break;
            case "4-D output": // the first conv's feature map as the output
                proto.Graph.Output[0].Name = conv.Output[0];
                break;
            case "short weights":
                if (weight.RawData.Length > 0) weight.RawData = Google.Protobuf.ByteString.CopyFrom(weight.RawData.Span[..^8]);
                else weight.FloatData.RemoveAt(weight.FloatData.Count - 1);
                break;
        }
        var e = Assert.Throws<AscaiException>(() => Ascai.Onnx.OnnxImporter.Import(Google.Protobuf.MessageExtensions.ToByteArray(proto), "damaged.onnx"));
        Assert.StartsWith("damaged.onnx: ", e.Message);
    }
}
