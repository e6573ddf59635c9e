using Ascai.Graph;
using Ascai.Graph.Nodes;
using Ascai.Tests.Compression;
using static TorchSharp.torch;

namespace Ascai.Tests.Graph;

public class BatchNormFoldingTests
{
    [Theory]
    [InlineData("vgg-small", "1x28x28")]
    [InlineData("resnet20", "3x16x16")]
    [InlineData("mobilenetv2", "3x16x16")]
    public void AFoldedGraphComputesTheSameWithoutItsBatchNorms(string name, string input)
    {
        using var graph = ZooGraphs.Create(name, input);
        using var folded = BatchNormFolding.Fold(graph);
        Assert.Contains(graph.Nodes, n => n is BatchNormNode);
        Assert.DoesNotContain(folded.Nodes, n => n is BatchNormNode);
        using var scope = NewDisposeScope();
        var x = ZooGraphs.Input(input);
        using (inference_mode())
            TensorAssert.RelativelyClose(graph.Forward(x), folded.Forward(x), 1e-5);
    }
}
