using Ascai.Cost;
using Ascai.Onnx;
using Ascai.Tests.Compression;
using static TorchSharp.torch;

namespace Ascai.Tests.Onnx;

public class OnnxImportTests
{
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
