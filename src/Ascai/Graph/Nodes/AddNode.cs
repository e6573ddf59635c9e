using static TorchSharp.torch;
using Ascai.Runtime;

namespace Ascai.Graph.Nodes;

/// <summary>Element-wise sum of two or more inputs of the same shape (residual connections).</summary>
[NodeKind("add")]
public sealed class AddNode : Node
{
    /// <inheritdoc/>
    public override Shape InferShape(IReadOnlyList<Shape> inputs)
    {
        if (inputs.Count < 2) throw new AscaiException($"node '{Name}' (add) needs at least 2 inputs");
        if (inputs.Any(s => !s.Equals(inputs[0])))
            throw new AscaiException($"node '{Name}' (add): input shapes differ ({string.Join(", ", inputs)})");
        return inputs[0];
    }

    /// <inheritdoc/>
    public override void LinkChannels(ChannelLinks links) => links.Sum().KeepsZeros([.. Enumerable.Range(0, links.Inputs.Count)]);

    /// <inheritdoc/>
    public override void ToOnnx(IOnnxGraph onnx) => onnx.Op(Inputs.Length == 2 ? "Add" : "Sum", Name, Inputs);

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training)
    {
        var sum = inputs[0].Plus(inputs[1]);
        for (int i = 2; i < inputs.Count; i++) sum = sum.PlusInPlace(inputs[i]);
        return sum;
    }
}
