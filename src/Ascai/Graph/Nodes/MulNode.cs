using static TorchSharp.torch;

namespace Ascai.Graph.Nodes;

/// <summary>
/// Element-wise product of two inputs, the second broadcast over the first (N, C, H, W) x (N, C, 1, 1): the
/// rescaling of a squeeze-and-excitation block.
/// </summary>
[NodeKind("mul")]
public sealed class MulNode : Node
{
    /// <inheritdoc/>
    public override Shape InferShape(IReadOnlyList<Shape> inputs)
    {
        ExpectInputs(inputs, 2);
        var (a, b) = (inputs[0], inputs[1]);
        bool broadcasts = a.Rank == b.Rank && a.Dims.Zip(b.Dims).All(d => d.Second == d.First || d.Second == 1);
        if (!broadcasts) throw new AscaiException($"node '{Name}' (mul): {b} does not broadcast over {a}");
        return a;
    }

    /// <inheritdoc/>
    public override void LinkChannels(ChannelLinks links) => links.Scale(0, gate: 1).KeepsZeros(0);

    /// <inheritdoc/>
    public override void ToOnnx(IOnnxGraph onnx) => onnx.Op("Mul", Name, Inputs);

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training) => inputs[0] * inputs[1];
}
