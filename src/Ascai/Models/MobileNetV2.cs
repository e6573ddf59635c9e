using Ascai.Graph;

namespace Ascai.Models;

/// <summary>
/// Sandler et al.'s MobileNetV2: inverted residual blocks (1x1 expand, 3x3 depthwise, 1x1 linear projection,
/// residual add when shapes match), ReLU6. For inputs smaller than 64x64 the stem and the second stage keep
/// stride 1, the usual CIFAR adaptation, so that small images are not reduced to nothing.
/// </summary>
public static class MobileNetV2
{
    // (expansion t, output channels c, repeats n, first stride s), from the paper's Table 2.
    private static readonly (int T, int C, int N, int S)[] Settings =
        [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)];

    /// <summary>Builds MobileNetV2 with a width multiplier (channels rounded to multiples of 8).</summary>
    public static LayerGraph Build(Shape input, int numClasses, double widthMultiplier = 1.0)
    {
        bool small = input.Height < 64;
        var g = new GraphBuilder(input);
        string x = g.ConvBnRelu("input", Round(32 * widthMultiplier), 3, small ? 1 : 2, relu6: true);
        for (int stage = 0; stage < Settings.Length; stage++)
        {
            var (t, c, n, s) = Settings[stage];
            int stride = small && stage == 1 ? 1 : s;
            for (int i = 0; i < n; i++)
                x = InvertedResidual(g, x, Round(c * widthMultiplier), i == 0 ? stride : 1, t, $"block{stage + 1}.{i}.");
        }
        x = g.ConvBnRelu(x, Math.Max(1280, Round(1280 * widthMultiplier)), 1, relu6: true);
        var logits = g.Linear(g.Flatten(g.GlobalAvgPool(x)), numClasses, name: "classifier");
        return g.Build(logits);
    }

    private static string InvertedResidual(GraphBuilder g, string x, int outChannels, int stride, int expansion, string prefix)
    {
        int inChannels = g.ShapeOf(x).Channels, hidden = inChannels * expansion;
        string y = x;
        if (expansion != 1)
            y = g.Relu(g.BatchNorm(g.Conv(y, hidden, 1, padding: 0, name: prefix + "expand"), prefix + "expand.bn"), true, prefix + "expand.relu");
        y = g.Relu(g.BatchNorm(g.Conv(y, hidden, 3, stride, groups: hidden, name: prefix + "depthwise"), prefix + "depthwise.bn"), true, prefix + "depthwise.relu");
        y = g.BatchNorm(g.Conv(y, outChannels, 1, padding: 0, name: prefix + "project"), prefix + "project.bn");
        return stride == 1 && inChannels == outChannels ? g.Sum(x, y) : y;
    }

    private static int Round(double channels) => Math.Max(8, (int)(channels + 4) / 8 * 8);
}
