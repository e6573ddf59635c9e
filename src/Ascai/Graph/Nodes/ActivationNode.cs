using static TorchSharp.torch;

namespace Ascai.Graph.Nodes;

/// <summary>The element-wise functions an <see cref="ActivationNode"/> applies.</summary>
public enum ActivationFunction
{
    /// <summary>max(0, x).</summary>
    Relu,
    /// <summary>min(max(0, x), 6), as in MobileNetV2.</summary>
    Relu6,
}

/// <summary>An element-wise, shape-preserving activation without parameters.</summary>
[NodeKind("activation")]
public sealed class ActivationNode : Node
{
    /// <summary>Which function.</summary>
    public ActivationFunction Function { get; init; } = ActivationFunction.Relu;

    /// <inheritdoc/>
    public override Shape InferShape(IReadOnlyList<Shape> inputs)
    {
        ExpectInputs(inputs, 1);
        return inputs[0];
    }

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training) => Function switch
    {
        ActivationFunction.Relu => nn.functional.relu(inputs[0]),
        ActivationFunction.Relu6 => nn.functional.relu6(inputs[0]),
        _ => throw new InvalidOperationException($"unknown activation {Function}"),
    };
}
