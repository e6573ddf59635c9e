using static TorchSharp.torch;

namespace Ascai.Graph.Nodes;

/// <summary>
/// ShuffleNet's channel shuffle: the C channels, seen as <see cref="Groups"/> groups of C / groups, are interleaved
/// (channel g * (C / groups) + i goes to i * groups + g). PyTorch writes it view(N, g, C/g, H, W), transpose(1, 2),
/// view(N, C, H, W), and exports it as Reshape, Transpose, Reshape.
/// </summary>
[NodeKind("channel-shuffle")]
public sealed class ChannelShuffleNode : Node
{
    /// <summary>Number of groups interleaved.</summary>
    public int Groups { get; init; }

    /// <inheritdoc/>
    public override Shape InferShape(IReadOnlyList<Shape> inputs)
    {
        ExpectInputs(inputs, 1);
        var input = inputs[0];
        if (input.Rank != 3 || Groups < 1 || input.Channels % Groups != 0)
            throw new AscaiException($"node '{Name}' (channel-shuffle): {input} does not split into {Groups} groups of channels");
        return input;
    }

    /// <summary>The input channel each output channel takes, for <paramref name="channels"/> channels.</summary>
    public int[] Order(int channels) => Enumerable.Range(0, channels).Select(j => j % Groups * (channels / Groups) + j / Groups).ToArray();

    /// <inheritdoc/>
    public override void LinkChannels(ChannelLinks links) => links.Gather(0, Order(links.Inputs[0].Channels)).KeepsZeros(0);

    /// <inheritdoc/>
    public override Node WithChannels(ChannelSelection kept) =>
        // Groups that lost different channels no longer interleave regularly: the kept channels in their shuffled order.
        ChannelGatherNode.Compacted(Name, Inputs[0], Order(kept.InputChannels(0)), kept);

    /// <inheritdoc/>
    public override void ToOnnx(IOnnxGraph onnx)
    {
        var s = onnx.ShapeOf(Inputs[0]);
        onnx.Op("Reshape", Name + ".grouped", [Inputs[0], onnx.Int64s($"{Name}.grouped_shape", [0, Groups, s.Channels / Groups, s.Height, s.Width])]);
        onnx.Op("Transpose", Name + ".transposed", [Name + ".grouped"], OnnxAttribute.Of("perm", [0, 2, 1, 3, 4]));
        onnx.Op("Reshape", Name, [Name + ".transposed", onnx.Int64s($"{Name}.shape", [0, s.Channels, s.Height, s.Width])]);
    }

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training)
    {
        var x = inputs[0];
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        return x.reshape(n, Groups, c / Groups, h, w).transpose(1, 2).reshape(n, c, h, w);
    }
}
