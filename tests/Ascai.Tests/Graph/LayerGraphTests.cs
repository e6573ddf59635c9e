using Ascai.Graph;
using Ascai.Graph.Nodes;
using Ascai.Models;
using static TorchSharp.torch;

namespace Ascai.Tests.Graph;

public class LayerGraphTests
{
    [Fact]
    public void ResidualGraphComputesBlockByHand()
    {
        using var scope = NewDisposeScope();
        var g = new GraphBuilder(new Shape(2, 5, 5));
        var conv = g.Conv("input", 2, 3, bias: true);
        var relu = g.Relu(conv);
        var sum = g.Sum(relu, "input");
        using var graph = g.Build(sum);
        var x = randn(3, 2, 5, 5);
        var c = (Conv2dNode)graph[conv];
        var expected = nn.functional.relu(nn.functional.conv2d(x, c.Parameters["weight"], c.Parameters["bias"], padding: [1, 1])) + x;
        TensorAssert.Close(expected, graph.Forward(x));
    }

    [Fact]
    public void InputIsNotDisposedByForward()
    {
        using var scope = NewDisposeScope();
        using var graph = ModelZoo.Create("lenet5", new Shape(1, 28, 28), 10);
        var x = randn(2, 1, 28, 28);
        graph.Forward(x);
        Assert.Equal(2L * 784, x.numel()); // still alive
    }

    [Fact]
    public void ShapeMismatchNamesTheNode()
    {
        using var graph = new LayerGraph();
        graph.Add(new InputNode { Name = "input", Shape = [3, 8, 8] });
        graph.Add(new Conv2dNode { Name = "bad", Inputs = ["input"], InChannels = 4, OutChannels = 2, Kernel = [3, 3] });
        graph.Output = "bad";
        var e = Assert.Throws<AscaiException>(() => graph.InferShapes());
        Assert.Contains("'bad'", e.Message);
    }

    [Fact]
    public void UnknownInputAndDuplicateNamesAreRejected()
    {
        using var graph = new LayerGraph();
        graph.Add(new InputNode { Name = "input", Shape = [3, 8, 8] });
        Assert.Throws<AscaiException>(() => graph.Add(new FlattenNode { Name = "f", Inputs = ["nowhere"] }));
        Assert.Throws<AscaiException>(() => graph.Add(new FlattenNode { Name = "input", Inputs = ["input"] }));
    }

    [Fact]
    public void TrainingUpdatesEveryParameter()
    {
        using var scope = NewDisposeScope();
        using var graph = ModelZoo.Create("resnet20", new Shape(3, 16, 16), 10);
        var before = graph.Parameters().Select(p => p.detach().clone()).ToList();
        using var sgd = optim.SGD(graph.Parameters(), 0.1);
        var loss = nn.functional.cross_entropy(graph.Forward(randn(4, 3, 16, 16), training: true), tensor(new long[] { 0, 1, 2, 3 }));
        loss.backward();
        sgd.step();
        var after = graph.Parameters().ToList();
        Assert.All(before.Zip(after), pair => Assert.False(pair.First.eq(pair.Second).all().item<bool>(), "parameter did not change"));
    }
}
