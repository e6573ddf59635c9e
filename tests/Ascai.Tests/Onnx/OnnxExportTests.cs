using Ascai.Compression;
using Ascai.Cost;
using Ascai.Onnx;
using Ascai.Tests.Compression;
using static TorchSharp.torch;

namespace Ascai.Tests.Onnx;

public class OnnxExportTests
{
    [Theory]
    [MemberData(nameof(ZooGraphs.All), MemberType = typeof(ZooGraphs))]
    public void OnnxRuntimeComputesWhatAscaiDoes(string name, string input)
    {
        using var graph = ZooGraphs.Create(name, input);
        using var session = new OnnxRuntimeSession(OnnxExporter.Export(graph));
        using var scope = NewDisposeScope();
        var x = ZooGraphs.Input(input);
        using (inference_mode())
            TensorAssert.RelativelyClose(graph.Forward(x), session.Run(x), 1e-5);
    }

    [Theory]
    [InlineData("vgg-small", "1x28x28")]
    [InlineData("resnet20", "3x16x16")]
    [InlineData("mobilenetv2", "3x16x16")]
    public void CompressedAndCompactModelsExportToo(string name, string input)
    {
        using var graph = ZooGraphs.Create(name, input);
        var plan = new CompressionPlan();
        foreach (string layer in new ChannelPruning().Targets(graph).Where(t => !t.StartsWith("relu")).Take(4))
            plan.Layers[layer] = new LayerSetting { Method = "ps", Ratio = 0.4 };
        foreach (string layer in new Tucker2Decomposition().Targets(graph).Skip(2).Take(2))
            plan.Layers[layer] = new LayerSetting { Method = "tucker2", Bins = [4, 5] };
        using var masked = Compressor.Apply(graph, plan, new CompressionContext { Importance = ImportanceCriterion.L1 });
        using var compact = Compactor.Compact(masked);
        using var scope = NewDisposeScope();
        var x = ZooGraphs.Input(input);
        foreach (var g in new[] { masked, compact })
        {
            byte[] onnx = OnnxExporter.Export(g);
            using var session = new OnnxRuntimeSession(onnx);
            using (inference_mode())
                TensorAssert.RelativelyClose(g.Forward(x), session.Run(x), 1e-5);
            // The exported file holds the layers the profiler priced: read back, it costs the same.
            using var back = OnnxImporter.Import(onnx);
            Assert.Equal(CostModel.Profile(g).TotalMacs, CostModel.Profile(back).TotalMacs);
        }
        Assert.True(CostModel.Profile(compact).TotalMacs < CostModel.Profile(graph).TotalMacs);
    }
}
