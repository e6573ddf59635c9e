using static TorchSharp.torch;

namespace Ascai.Graph.Nodes;

/// <summary>2-D max pooling.</summary>
[NodeKind("maxpool")]
public sealed class MaxPoolNode : Pool2dNode
{
    /// <inheritdoc/>
    protected override string OnnxOp => "MaxPool";

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training) =>
        nn.functional.max_pool2d(inputs[0], [Kernel[0], Kernel[1]], Strides, [Padding[0], Padding[1]], ceil_mode: CeilMode);
}
