using Ascai.Compression;
using Ascai.Cost;
using Ascai.Graph;
using Ascai.Graph.Nodes;
using static TorchSharp.torch;

namespace Ascai.Tests.Compression;

/// <summary>SVD and Tucker-2 against their definitions (TensorLy-style).</summary>
public class DecompositionTests
{
    [Fact]
    public void SvdAtFullRankReproducesTheMatrix()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(1);
        var w = randn(12, 7);
        var (first, second) = SvdDecomposition.Factorize(w, 7);
        Assert.Equal([7L, 7], first.shape);
        Assert.Equal([12L, 7], second.shape);
        TensorAssert.Close(w, second.matmul(first), 1e-4);
    }

    [Fact]
    public void SvdErrorFallsAsRankGrows()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(2);
        var w = randn(20, 16);
        var errors = Enumerable.Range(1, 16).Select(r => { var (a, b) = SvdDecomposition.Factorize(w, r); return (w - b.matmul(a)).norm().item<float>(); }).ToList();
        for (int i = 1; i < errors.Count; i++) Assert.True(errors[i] < errors[i - 1] + 1e-5, $"rank {i + 1}: {errors[i]} >= {errors[i - 1]}");
        Assert.True(errors[^1] < 1e-3);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void TuckerAtFullRanksReproducesTheKernel(int hooi)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        var w = randn(8, 6, 3, 3);
        var (uOut, core, uIn) = Tucker2Decomposition.Factorize(w, 8, 6, hooi);
        Assert.Equal([8L, 6, 3, 3], core.shape);
        TensorAssert.Close(w, Tucker2Decomposition.Reconstruct(uOut, core, uIn), 1e-4);
    }

    [Fact]
    public void TuckerErrorFallsAsRanksGrowAndHooiDoesNotHurt()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(4);
        var w = randn(16, 16, 3, 3);
        double Error(int r, int hooi) { var (a, b, c) = Tucker2Decomposition.Factorize(w, r, r, hooi); return (w - Tucker2Decomposition.Reconstruct(a, b, c)).norm().item<float>(); }
        var errors = Enumerable.Range(1, 16).Select(r => Error(r, 0)).ToList();
        for (int i = 1; i < errors.Count; i++) Assert.True(errors[i] <= errors[i - 1] + 1e-4);
        Assert.True(Error(6, 5) <= Error(6, 0) + 1e-4, "HOOI refines HOSVD");
    }

    [Fact]
    public void SvdLayerComputesTheFactoredProduct()
    {
        using var scope = NewDisposeScope();
        var g = new GraphBuilder(new Shape(40));
        using var graph = g.Build(g.Linear("input", 30, name: "fc"));
        var original = graph["fc"].Parameters["weight"].detach().clone();
        using var svd = Compressor.Apply(graph, new CompressionPlan { Layers = { ["fc"] = new LayerSetting { Method = "svd", Rank = 5 } } }, new());
        var x = randn(3, 40);
        var (a, b) = SvdDecomposition.Factorize(original, 5);
        TensorAssert.Close(x.matmul(b.matmul(a).t()) + graph["fc"].Parameters["bias"], svd.Forward(x), 1e-4);
        Assert.Equal(5L * (40 + 30), CostModel.Profile(svd).TotalMacs);
    }

    [Fact]
    public void TuckerConvKeepsStrideAndMatchesItsReconstruction()
    {
        using var scope = NewDisposeScope();
        var g = new GraphBuilder(new Shape(8, 9, 9));
        using var graph = g.Build(g.Conv("input", 16, 3, stride: 2, bias: true, name: "conv"));
        var conv = (Conv2dNode)graph["conv"];
        using var tucker = Compressor.Apply(graph, new CompressionPlan { Layers = { ["conv"] = new LayerSetting { Method = "tucker2", Ranks = [4, 3] } } }, new());
        var (uOut, core, uIn) = Tucker2Decomposition.Factorize(conv.Parameters["weight"].detach(), 4, 3);
        var x = randn(2, 8, 9, 9);
        var expected = nn.functional.conv2d(x, Tucker2Decomposition.Reconstruct(uOut, core, uIn), conv.Parameters["bias"], strides: [2, 2], padding: [1, 1]);
        TensorAssert.Close(expected, tucker.Forward(x), 1e-4);
        Assert.Equal(new[] { "conv.tucker.in", "conv.tucker.core", "conv.tucker.out" }, tucker.Nodes.Skip(1).Select(n => n.Name));
        Assert.Equal(8L * 3 * 81 + 3 * 9 * 4 * 25 + 4 * 16 * 25, CostModel.Profile(tucker).TotalMacs);
    }

    [Fact]
    public void CachedFactorisationsGiveTheSameLayersAsFreshOnesAtEveryRank()
    {
        using var scope = NewDisposeScope();
        using var graph = ZooGraphs.Create("resnet20", "3x16x16");
        var cached = new CompressionContext();
        var fresh = new CompressionContext { Factors = null };
        var x = ZooGraphs.Input("3x16x16");
        string conv = new Tucker2Decomposition().Targets(graph).Last();
        string fc = new SvdDecomposition().Targets(graph).Last();
        foreach (var (bins, rank) in new[] { (new[] { 3, 5 }, 2), (new[] { 8, 1 }, 7), (new[] { 3, 5 }, 2) })
        {
            var plan = new CompressionPlan
            {
                Layers = { [conv] = new LayerSetting { Method = "tucker2", Bins = bins }, [fc] = new LayerSetting { Method = "svd", Rank = rank } },
            };
            using var a = Compressor.Apply(graph, plan, cached);
            using var b = Compressor.Apply(graph, plan, fresh);
            Assert.True(a.Forward(x).eq(b.Forward(x)).all().item<bool>(), $"bins {string.Join(",", bins)}, rank {rank}");
        }
        Assert.Equal((2, 4), (cached.Factors!.Misses, cached.Factors.Hits));

        // A different weight under the same layer name is factorised afresh, not served from the cache.
        using var other = ZooGraphs.Create("resnet20", "3x16x16");
        other[fc].SetTensor("weight", other[fc].Parameters["weight"] * 2);
        var svdOnly = new CompressionPlan { Layers = { [fc] = new LayerSetting { Method = "svd", Rank = 3 } } };
        using var c = Compressor.Apply(other, svdOnly, cached);
        using var d = Compressor.Apply(other, svdOnly, fresh);
        Assert.True(c.Forward(x).eq(d.Forward(x)).all().item<bool>());
        Assert.Equal(3, cached.Factors.Misses);

        // Disposing the cache frees what it holds.
        var factors = cached.Factors.GetOrAdd(fc, "svd", other[fc].Parameters["weight"], _ => throw new InvalidOperationException("cached"));
        Assert.False(factors[0].IsInvalid);
        cached.Factors.Dispose();
        Assert.True(factors.All(f => f.IsInvalid));
        Assert.Equal(0, cached.Factors.Count);
    }
}
