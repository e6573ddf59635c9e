using static TorchSharp.torch;

namespace Ascai.Graph.Nodes;

/// <summary>2-D average pooling (padding counted in the average, as PyTorch's default).</summary>
[NodeKind("avgpool")]
public sealed class AvgPoolNode : Pool2dNode
{
    /// <inheritdoc/>
    protected override string OnnxOp => "AveragePool";

    /// <inheritdoc/>
    protected override OnnxAttribute[] OnnxAttributes => [OnnxAttribute.Of("count_include_pad", 1)]; // torch's avg_pool2d default

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training) =>
        nn.functional.avg_pool2d(inputs[0], [Kernel[0], Kernel[1]], Strides, [Padding[0], Padding[1]], ceil_mode: CeilMode);
}
