using static TorchSharp.torch;

namespace Ascai.Graph.Nodes;

/// <summary>
/// Channels <see cref="Start"/> to <see cref="End"/> - 1 of a feature map: one half of ShuffleNetV2's
/// <c>x.chunk(2, dim=1)</c>, which PyTorch exports as a Slice of the channel axis.
/// </summary>
[NodeKind("channel-slice")]
public sealed class ChannelSliceNode : Node
{
    /// <summary>First channel kept.</summary>
    public int Start { get; init; }
    /// <summary>One past the last channel kept.</summary>
    public int End { get; init; }

    /// <inheritdoc/>
    public override Shape InferShape(IReadOnlyList<Shape> inputs)
    {
        ExpectInputs(inputs, 1);
        var input = inputs[0];
        if (Start < 0 || End > input.Channels || End <= Start)
            throw new AscaiException($"node '{Name}' (channel-slice): channels {Start}..{End - 1} are not within the input's {input.Channels}");
        return new Shape([End - Start, .. input.Dims.Skip(1)]);
    }

    /// <inheritdoc/>
    public override void LinkChannels(ChannelLinks links) => links.Range(0, Start).KeepsZeros(0);

    /// <inheritdoc/>
    public override Node WithChannels(ChannelSelection kept)
    {
        // The kept channels of the range stay consecutive in the compact input.
        int start = kept.Input(0).Count(c => c < Start);
        return new ChannelSliceNode { Name = Name, Inputs = [.. Inputs], Start = start, End = start + kept.Output.Length };
    }

    /// <inheritdoc/>
    public override void ToOnnx(IOnnxGraph onnx) =>
        onnx.Op("Slice", Name, [Inputs[0], onnx.Int64s($"{Name}.starts", [Start]), onnx.Int64s($"{Name}.ends", [End]), onnx.Int64s($"{Name}.axes", [1])]);

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training) => inputs[0].narrow(1, Start, End - Start);
}
