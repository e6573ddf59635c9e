using Ascai.Graph;

namespace Ascai.Models;

/// <summary>LeCun et al.'s LeNet-5 with ReLU and max pooling (padding 2 on the first conv, as for 28x28 inputs).</summary>
public static class LeNet5
{
    /// <summary>Builds LeNet-5 for any input of at least 12x12.</summary>
    public static LayerGraph Build(Shape input, int numClasses)
    {
        var g = new GraphBuilder(input);
        var x = g.MaxPool(g.Relu(g.Conv("input", 6, 5, padding: 2, bias: true)), 2);
        x = g.MaxPool(g.Relu(g.Conv(x, 16, 5, padding: 0, bias: true)), 2);
        x = g.Relu(g.Linear(g.Flatten(x), 120));
        x = g.Relu(g.Linear(x, 84));
        return g.Build(g.Linear(x, numClasses));
    }
}
