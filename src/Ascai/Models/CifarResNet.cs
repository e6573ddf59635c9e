using Ascai.Graph;

namespace Ascai.Models;

/// <summary>
/// He et al.'s CIFAR ResNet of depth 6n+2 (ResNet-20: n = 3, ResNet-56: n = 9): a 3x3 stem of 16 channels, three
/// stages of n basic blocks with 16, 32, 64 channels (stride 2 entering stages 2 and 3), global average pooling
/// and one linear layer. Shortcuts that change shape use a 1x1 conv with batch-norm (option B), which keeps the
/// graph free of padding tricks and is how most pruning work re-implements it.
/// </summary>
public static class CifarResNet
{
    /// <summary>Builds ResNet-<paramref name="depth"/>; depth must be 6n+2.</summary>
    public static LayerGraph Build(Shape input, int numClasses, int depth)
    {
        if (depth < 8 || (depth - 2) % 6 != 0) throw new AscaiException($"CIFAR ResNet depth must be 6n+2 (20, 32, 44, 56, 110), got {depth}");
        int blocks = (depth - 2) / 6;
        var g = new GraphBuilder(input);
        string x = g.ConvBnRelu("input", 16, 3);
        int[] widths = [16, 32, 64];
        for (int stage = 0; stage < 3; stage++)
            for (int b = 0; b < blocks; b++)
                x = BasicBlock(g, x, widths[stage], stage > 0 && b == 0 ? 2 : 1, $"layer{stage + 1}.{b}.");
        var logits = g.Linear(g.Flatten(g.GlobalAvgPool(x)), numClasses, name: "fc");
        return g.Build(logits);
    }

    private static string BasicBlock(GraphBuilder g, string x, int width, int stride, string prefix)
    {
        var y = g.Relu(g.BatchNorm(g.Conv(x, width, 3, stride, name: prefix + "conv1"), prefix + "bn1"), name: prefix + "relu1");
        y = g.BatchNorm(g.Conv(y, width, 3, 1, name: prefix + "conv2"), prefix + "bn2");
        string shortcut = x;
        if (stride != 1 || g.ShapeOf(x).Channels != width)
            shortcut = g.BatchNorm(g.Conv(x, width, 1, stride, padding: 0, name: prefix + "shortcut.conv"), prefix + "shortcut.bn");
        return g.Relu(g.Sum(y, shortcut), name: prefix + "relu2");
    }
}
