using Ascai.Graph;
using Ascai.Models;
using static TorchSharp.torch;

namespace Ascai.Tests.Models;

public class ModelZooTests
{
    public static TheoryData<string, string> Architectures => new()
    {
        { "lenet5", "1x28x28" }, { "vgg-small", "1x28x28" }, { "vgg11", "3x32x32" }, { "vgg16", "1x28x28" },
        { "resnet20", "3x32x32" }, { "resnet56", "1x28x28" }, { "mobilenetv2", "3x32x32" },
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void BuildsAndRunsForAnyInput(string name, string input)
    {
        using var scope = NewDisposeScope();
        using var graph = ModelZoo.Create(name, Shape.Parse(input), 7);
        var y = graph.Forward(randn(Shape.Parse(input).WithBatch(2)));
        Assert.Equal([2L, 7], y.shape);
        Assert.False(y.isnan().any().item<bool>());
    }

    [Fact]
    public void SameSeedGivesSameWeights()
    {
        using var a = ModelZoo.Create("resnet20", new Shape(1, 28, 28), 10, seed: 4);
        using var b = ModelZoo.Create("resnet20", new Shape(1, 28, 28), 10, seed: 4);
        using var c = ModelZoo.Create("resnet20", new Shape(1, 28, 28), 10, seed: 5);
        Assert.All(a.Parameters().Zip(b.Parameters()), p => Assert.True(p.First.eq(p.Second).all().item<bool>()));
        Assert.False(a.Parameters().First().eq(c.Parameters().First()).all().item<bool>());
    }

    [Fact]
    public void UnknownNameListsTheZoo() =>
        Assert.Contains("resnet20", Assert.Throws<AscaiException>(() => ModelZoo.Create("resnet21", new Shape(1, 28, 28), 10)).Message);

    [Fact]
    public void ResNetHasResidualAddsAndMobileNetHasDepthwiseConvs()
    {
        using var resnet = ModelZoo.Create("resnet56", new Shape(3, 32, 32), 10);
        Assert.Equal(27, resnet.Nodes.Count(n => n.Kind == "add"));
        using var mobile = ModelZoo.Create("mobilenetv2", new Shape(3, 32, 32), 10);
        Assert.Equal(17, mobile.Nodes.OfType<Ascai.Graph.Nodes.Conv2dNode>().Count(c => c.IsDepthwise));
        Assert.Equal(10, mobile.Nodes.Count(n => n.Kind == "add"));
    }
}
