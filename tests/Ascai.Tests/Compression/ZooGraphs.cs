using Ascai.Graph;
using Ascai.Models;
using static TorchSharp.torch;

namespace Ascai.Tests.Compression;

/// <summary>Small zoo graphs with non-trivial batch-norm statistics, for compression tests.</summary>
internal static class ZooGraphs
{
    public static TheoryData<string, string> All => new()
    {
        { "lenet5", "1x28x28" }, { "vgg-small", "1x28x28" }, { "vgg11", "3x32x32" }, { "resnet20", "3x16x16" },
        { "resnet56", "1x16x16" }, { "mobilenetv2", "3x16x16" },
    };

    public static LayerGraph Create(string name, string input)
    {
        var graph = ModelZoo.Create(name, Shape.Parse(input), 10, seed: 3);
        using var scope = NewDisposeScope();
        random.manual_seed(11);
        foreach (var node in graph.Nodes.Where(n => n.Buffers.ContainsKey("running_var")))
        {
            long c = node.Buffers["running_var"].shape[0];
            node.SetTensor("running_var", rand(c) + 0.5);
            node.SetTensor("running_mean", randn(c) * 0.1);
            node.SetTensor("bias", randn(c) * 0.1);
        }
        return graph;
    }

    public static Tensor Input(string input, int batch = 4)
    {
        random.manual_seed(5);
        return randn(Shape.Parse(input).WithBatch(batch));
    }
}
