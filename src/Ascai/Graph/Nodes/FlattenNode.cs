using static TorchSharp.torch;

namespace Ascai.Graph.Nodes;

/// <summary>Flattens a (C, H, W) feature map to (C*H*W), channel-major as PyTorch does.</summary>
[NodeKind("flatten")]
public sealed class FlattenNode : Node
{
    /// <inheritdoc/>
    public override Shape InferShape(IReadOnlyList<Shape> inputs)
    {
        ExpectInputs(inputs, 1);
        return new Shape((int)inputs[0].Elements);
    }

    /// <inheritdoc/>
    public override void LinkChannels(ChannelLinks links) => links.Flatten().KeepsZeros(0);

    /// <inheritdoc/>
    public override void ToOnnx(IOnnxGraph onnx) => onnx.Op("Flatten", Name, [Inputs[0]], OnnxAttribute.Of("axis", 1));

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training) => inputs[0].flatten(1);
}
