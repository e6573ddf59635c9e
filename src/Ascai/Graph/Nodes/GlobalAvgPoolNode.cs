using static TorchSharp.torch;

namespace Ascai.Graph.Nodes;

/// <summary>Average over the whole spatial extent: (C, H, W) to (C, 1, 1).</summary>
[NodeKind("globalavgpool")]
public sealed class GlobalAvgPoolNode : Node
{
    /// <inheritdoc/>
    public override Shape InferShape(IReadOnlyList<Shape> inputs) => new(ExpectFeatureMap(inputs).Channels, 1, 1);

    /// <inheritdoc/>
    public override void LinkChannels(ChannelLinks links) => links.Same().KeepsZeros(0);

    /// <inheritdoc/>
    public override void ToOnnx(IOnnxGraph onnx) => onnx.Op("GlobalAveragePool", Name, [Inputs[0]]);

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training) =>
        inputs[0].mean([2L, 3L], keepdim: true);
}
