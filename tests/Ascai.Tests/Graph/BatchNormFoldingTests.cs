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

    [Theory]
    [InlineData("vgg-small", "1x28x28")]
    [InlineData("resnet20", "3x16x16")]
    public void BatchNormsPutBackForTrainingStartAsTheIdentityAndFoldAgain(string name, string input)
    {
        using var graph = ZooGraphs.Create(name, input);
        using var folded = BatchNormFolding.Fold(graph); // a PyTorch export in eval mode
        int nodes = folded.Nodes.Count;
        using var scope = NewDisposeScope();
        var x = ZooGraphs.Input(input);
        Tensor before;
        using (inference_mode()) before = folded.Forward(x);
        var inserted = BatchNormFolding.InsertForTraining(folded, [x]);
        Assert.Equal(folded.Nodes.OfType<Conv2dNode>().Count(), inserted.Count);
        using (inference_mode())
        {
            // In eval mode each starts as the identity on the images it was measured on, and nearly so in training mode.
            TensorAssert.RelativelyClose(before, folded.Forward(x), 1e-4);
            TensorAssert.RelativelyClose(before, folded.Forward(x, training: true), 0.05);
        }
        // The training-mode pass moved the running statistics (PyTorch's momentum), as training would: folding keeps what they became.
        Tensor trained;
        using (inference_mode()) trained = folded.Forward(x);
        BatchNormFolding.FoldInserted(folded, inserted);
        Assert.Equal(nodes, folded.Nodes.Count);
        Assert.DoesNotContain(folded.Nodes, n => n is BatchNormNode);
        using (inference_mode()) TensorAssert.RelativelyClose(trained, folded.Forward(x), 1e-4);
    }
}
