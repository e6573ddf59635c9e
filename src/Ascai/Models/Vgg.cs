using Ascai.Graph;

namespace Ascai.Models;

/// <summary>
/// VGG with batch-norm: a layout of conv widths and pools (0 = 2x2 max pool), then flatten and a two-layer
/// classifier. Pools that would shrink a feature map below 1x1 are skipped, so any input size works.
/// </summary>
public static class Vgg
{
    /// <summary>VGG-11 (configuration A).</summary>
    public static readonly int[] Vgg11 = [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0];
    /// <summary>VGG-16 (configuration D).</summary>
    public static readonly int[] Vgg16 = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0];
    /// <summary>A small VGG for 28x28 inputs: three blocks of two convs (32, 64, 128), about 29 M MACs.</summary>
    public static readonly int[] Small = [32, 32, 0, 64, 64, 0, 128, 128, 0];

    /// <summary>Builds a VGG from a layout; <paramref name="hidden"/> is the classifier's hidden width.</summary>
    public static LayerGraph Build(Shape input, int numClasses, IReadOnlyList<int> layout, int hidden, double dropout = 0)
    {
        var g = new GraphBuilder(input);
        string x = "input";
        foreach (int width in layout)
        {
            if (width > 0) x = g.ConvBnRelu(x, width, 3);
            else if (g.ShapeOf(x).Height >= 2 && g.ShapeOf(x).Width >= 2) x = g.MaxPool(x, 2);
        }
        x = g.Relu(g.Linear(g.Flatten(x), hidden));
        if (dropout > 0) x = g.Dropout(x, dropout);
        return g.Build(g.Linear(x, numClasses));
    }
}
