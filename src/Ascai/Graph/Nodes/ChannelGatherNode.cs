using static TorchSharp.torch;

namespace Ascai.Graph.Nodes;

/// <summary>
/// Output channel j is input channel <see cref="Indices"/>[j]: a channel permutation. A compacted channel shuffle
/// becomes one when its groups lost different channels and no longer interleave regularly.
/// </summary>
[NodeKind("channel-gather")]
public sealed class ChannelGatherNode : Node
{
    /// <summary>The input channel of each output channel.</summary>
    public required int[] Indices { get; init; }

    /// <inheritdoc/>
    public override Shape InferShape(IReadOnlyList<Shape> inputs)
    {
        ExpectInputs(inputs, 1);
        var input = inputs[0];
        if (input.Rank != 3 || Indices.Any(i => i < 0 || i >= input.Channels))
            throw new AscaiException($"node '{Name}' (channel-gather): its channel indices do not fit an input of {input}");
        return new Shape([Indices.Length, .. input.Dims.Skip(1)]);
    }

    /// <inheritdoc/>
    public override void LinkChannels(ChannelLinks links) => links.Gather(0, Indices).KeepsZeros(0);

    /// <inheritdoc/>
    public override Node WithChannels(ChannelSelection kept) => Compacted(Name, Inputs[0], Indices, kept);

    /// <summary>The gather that takes, from the kept input channels, the kept output channels of a permutation <paramref name="order"/>.</summary>
    internal static ChannelGatherNode Compacted(string name, string input, int[] order, ChannelSelection kept)
    {
        var position = kept.Input(0).Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
        return new ChannelGatherNode { Name = name, Inputs = [input], Indices = kept.Output.Select(j => position[order[j]]).ToArray() };
    }

    /// <inheritdoc/>
    public override void ToOnnx(IOnnxGraph onnx) =>
        onnx.Op("Gather", Name, [Inputs[0], onnx.Int64s($"{Name}.indices", [.. Indices.Select(i => (long)i)])], OnnxAttribute.Of("axis", 1));

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training)
    {
        using var index = tensor(Indices.Select(i => (long)i).ToArray(), device: inputs[0].device);
        return inputs[0].index_select(1, index);
    }
}
