using static TorchSharp.torch;

namespace Ascai.Graph.Nodes;

/// <summary>Dropout: active in training only.</summary>
[NodeKind("dropout")]
public sealed class DropoutNode : Node
{
    /// <summary>Probability of zeroing an element.</summary>
    public double Probability { get; init; } = 0.5;

    /// <inheritdoc/>
    public override Shape InferShape(IReadOnlyList<Shape> inputs)
    {
        ExpectInputs(inputs, 1);
        return inputs[0];
    }

    /// <inheritdoc/>
    public override void LinkChannels(ChannelLinks links) => links.Same().KeepsZeros(0);

    /// <inheritdoc/>
    public override void ToOnnx(IOnnxGraph onnx) => onnx.Op("Identity", Name, [Inputs[0]]);

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training) =>
        training ? nn.functional.dropout(inputs[0], Probability, training: true) : inputs[0].alias();
}
