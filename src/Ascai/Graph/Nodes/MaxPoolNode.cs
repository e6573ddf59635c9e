using static TorchSharp.torch;

namespace Ascai.Graph.Nodes;

/// <summary>2-D max pooling.</summary>
[NodeKind("maxpool")]
public sealed class MaxPoolNode : Node
{
    /// <summary>Window [kh, kw].</summary>
    public required int[] Kernel { get; init; }
    /// <summary>Stride [sh, sw]; defaults to the window.</summary>
    public int[]? Stride { get; init; }
    /// <summary>Padding [ph, pw].</summary>
    public int[] Padding { get; init; } = [0, 0];
    /// <summary>Round the output size up instead of down.</summary>
    public bool CeilMode { get; init; }

    /// <inheritdoc/>
    public override Shape InferShape(IReadOnlyList<Shape> inputs) =>
        PoolShapes.Output(this, ExpectFeatureMap(inputs), Kernel, Stride ?? Kernel, Padding, CeilMode);

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training)
    {
        var stride = Stride ?? Kernel;
        return nn.functional.max_pool2d(inputs[0], [Kernel[0], Kernel[1]], [stride[0], stride[1]],
            [Padding[0], Padding[1]], ceil_mode: CeilMode);
    }
}
