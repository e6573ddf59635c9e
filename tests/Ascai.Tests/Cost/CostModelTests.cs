using Ascai.Cost;
using Ascai.Graph;
using Ascai.Models;

namespace Ascai.Tests.Cost;

/// <summary>Profiler totals against MACs and parameters derived by hand from each architecture's definition.</summary>
public class CostModelTests
{
    private static ModelProfile Profile(string name, string input, int classes = 10)
    {
        using var graph = ModelZoo.Create(name, Shape.Parse(input), classes);
        return CostModel.Profile(graph);
    }

    [Fact]
    public void LeNet5()
    {
        // conv1 1->6 5x5 pad 2 on 28x28 -> 28x28; pool -> 14; conv2 6->16 5x5 -> 10x10; pool -> 5; fc 400-120-84-10.
        long macs = 1 * 25 * 6 * 28 * 28 + 6 * 25 * 16 * 10 * 10 + 400 * 120 + 120 * 84 + 84 * 10;
        long parameters = (25 * 6 + 6) + (6 * 25 * 16 + 16) + (400 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10);
        var p = Profile("lenet5", "1x28x28");
        Assert.Equal(macs, p.TotalMacs);
        Assert.Equal(parameters, p.TotalParams);
    }

    [Fact]
    public void ResNet20OnCifarIsAbout41MMacsAnd027MParams()
    {
        long conv(long cin, long cout, long k, long size) => cin * k * k * cout * size * size;
        long macs = conv(3, 16, 3, 32)
            + 6 * conv(16, 16, 3, 32)
            + conv(16, 32, 3, 16) + 5 * conv(32, 32, 3, 16) + conv(16, 32, 1, 16)
            + conv(32, 64, 3, 8) + 5 * conv(64, 64, 3, 8) + conv(32, 64, 1, 8)
            + 64 * 10;
        long convParams = 3 * 9 * 16 + 6 * 16 * 9 * 16 + 16 * 9 * 32 + 5 * 32 * 9 * 32 + 16 * 32 + 32 * 9 * 64 + 5 * 64 * 9 * 64 + 32 * 64;
        long bnParams = 2 * (16 + 6 * 16 + 6 * 32 + 32 + 6 * 64 + 64);
        var p = Profile("resnet20", "3x32x32");
        Assert.Equal(macs, p.TotalMacs);
        Assert.Equal(convParams + bnParams + 64 * 10 + 10, p.TotalParams);
        Assert.InRange(p.TotalMacs / 1e6, 40.5, 41.5);
        Assert.InRange(p.TotalParams / 1e6, 0.26, 0.28);
    }

    [Theory]
    [InlineData("vgg-small", "1x28x28", new[] { 32, 32, 0, 64, 64, 0, 128, 128, 0 }, 256)]
    [InlineData("vgg11", "3x32x32", new[] { 64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0 }, 512)]
    [InlineData("vgg16", "3x32x32", new[] { 64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0 }, 512)]
    public void Vgg(string name, string input, int[] layout, int hidden)
    {
        var shape = Shape.Parse(input);
        long c = shape.Channels, size = shape.Height, macs = 0, parameters = 0;
        foreach (int width in layout)
        {
            if (width == 0) { size /= 2; continue; }
            macs += c * 9 * width * size * size;
            parameters += c * 9 * width + 2 * width;
            c = width;
        }
        long features = c * size * size;
        macs += features * hidden + hidden * 10;
        parameters += features * hidden + hidden + hidden * 10 + 10;
        var p = Profile(name, input);
        Assert.Equal(macs, p.TotalMacs);
        Assert.Equal(parameters, p.TotalParams);
    }

    [Fact]
    public void DepthwiseConvCountsOnePlanePerChannel()
    {
        var g = new GraphBuilder(new Shape(8, 10, 10));
        using var graph = g.Build(g.Conv("input", 8, 3, groups: 8));
        Assert.Equal(8L * 9 * 10 * 10, CostModel.Profile(graph).TotalMacs);
    }

    [Fact]
    public void MobileNetV2MatchesBlockFormula()
    {
        // Independent recomputation from the paper's table, for a 32x32 input (stem and stage 2 at stride 1).
        (int t, int c, int n, int s)[] table = [(1, 16, 1, 1), (6, 24, 2, 1), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)];
        long size = 32, cin = 32, macs = 3 * 9 * 32 * size * size;
        foreach (var (t, c, n, s) in table)
            for (int i = 0; i < n; i++)
            {
                long hidden = cin * t, stride = i == 0 ? s : 1;
                if (t != 1) macs += cin * hidden * size * size;
                long outSize = (size + 2 - 3) / stride + 1;
                macs += hidden * 9 * outSize * outSize + hidden * c * outSize * outSize;
                size = outSize;
                cin = c;
            }
        macs += 320L * 1280 * size * size + 1280 * 10;
        Assert.Equal(macs, Profile("mobilenetv2", "3x32x32").TotalMacs);
    }
}
