using static TorchSharp.torch;

namespace Ascai.Graph.Nodes;

/// <summary>Multiplies each channel by its own learned factor (ConvNeXt's layer scale): no MACs, one parameter per channel.</summary>
[NodeKind("channel-scale")]
public sealed class ChannelScaleNode : Node
{
    /// <summary>Channels scaled.</summary>
    public required int Channels { get; init; }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, long[] Shape, bool Trainable)> TensorSpecs() => [("weight", [Channels], true)];

    /// <inheritdoc/>
    public override Shape InferShape(IReadOnlyList<Shape> inputs)
    {
        ExpectInputs(inputs, 1);
        if (inputs[0].Channels != Channels || inputs[0].Rank != 3)
            throw new AscaiException($"node '{Name}' (channel-scale) expects {Channels}xHxW, got {inputs[0]}");
        return inputs[0];
    }

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training) => inputs[0] * P("weight").view(1, Channels, 1, 1);

    /// <inheritdoc/>
    public override void LinkChannels(ChannelLinks links) => links.Same().KeepsZeros(0);

    /// <inheritdoc/>
    public override Node WithChannels(ChannelSelection kept)
    {
        using var scope = NewDisposeScope();
        var scale = new ChannelScaleNode { Name = Name, Inputs = [.. Inputs], Channels = kept.Output.Length };
        scale.SetTensor("weight", P("weight").detach().index_select(0, kept.OutputIndex()));
        return scale;
    }

    /// <inheritdoc/>
    public override void ToOnnx(IOnnxGraph onnx) => onnx.Op("Mul", Name, [Inputs[0], onnx.Weight(this, "weight", P("weight").detach().view(1, Channels, 1, 1))]);
}
