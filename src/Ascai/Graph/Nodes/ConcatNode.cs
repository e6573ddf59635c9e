using static TorchSharp.torch;

namespace Ascai.Graph.Nodes;

/// <summary>Concatenation of feature maps along the channel axis.</summary>
[NodeKind("concat")]
public sealed class ConcatNode : Node
{
    /// <inheritdoc/>
    public override Shape InferShape(IReadOnlyList<Shape> inputs)
    {
        if (inputs.Count < 1) throw new AscaiException($"node '{Name}' (concat) needs inputs");
        if (inputs.Any(s => s.Rank != inputs[0].Rank || !s.Dims.Skip(1).SequenceEqual(inputs[0].Dims.Skip(1))))
            throw new AscaiException($"node '{Name}' (concat): inputs differ beyond the channel axis ({string.Join(", ", inputs)})");
        return new Shape([inputs.Sum(s => s.Channels), .. inputs[0].Dims.Skip(1)]);
    }

    /// <inheritdoc/>
    public override void LinkChannels(ChannelLinks links) => links.Concat().KeepsZeros([.. Enumerable.Range(0, links.Inputs.Count)]);

    /// <inheritdoc/>
    public override void ToOnnx(IOnnxGraph onnx) => onnx.Op("Concat", Name, Inputs, OnnxAttribute.Of("axis", 1));

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training) => cat(inputs.ToList(), 1);
}
