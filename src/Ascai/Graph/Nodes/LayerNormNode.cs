using static TorchSharp.torch;

namespace Ascai.Graph.Nodes;

/// <summary>
/// Layer normalisation over the channels at every position (ConvNeXt's LayerNorm2d; over the features of a flat input):
/// (x - mean) / sqrt(var + eps) * weight + bias, the statistics taken across channels. It mixes the channels, so the
/// channels it reads are never pruned.
/// </summary>
[NodeKind("layernorm")]
public sealed class LayerNormNode : Node
{
    /// <summary>Channels normalised together.</summary>
    public required int Channels { get; init; }
    /// <summary>Added to the variance.</summary>
    public double Epsilon { get; init; } = 1e-5;

    /// <inheritdoc/>
    public override IEnumerable<(string Name, long[] Shape, bool Trainable)> TensorSpecs() => [("weight", [Channels], true), ("bias", [Channels], true)];

    /// <inheritdoc/>
    public override Shape InferShape(IReadOnlyList<Shape> inputs)
    {
        ExpectInputs(inputs, 1);
        if (inputs[0].Channels != Channels || inputs[0].Rank is not (1 or 3))
            throw new AscaiException($"node '{Name}' (layernorm) expects {Channels} channels, got {inputs[0]}");
        return inputs[0];
    }

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training)
    {
        var x = inputs[0];
        if (x.dim() == 2) return nn.functional.layer_norm(x, [Channels], P("weight"), P("bias"), Epsilon);
        using var scope = NewDisposeScope();
        return nn.functional.layer_norm(x.permute(0, 2, 3, 1), [Channels], P("weight"), P("bias"), Epsilon).permute(0, 3, 1, 2).contiguous().MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public override long Params(IReadOnlyList<Shape> inputs, Shape output) => 2L * Channels;

    /// <inheritdoc/>
    public override void ToOnnx(IOnnxGraph onnx)
    {
        string[] weights = [onnx.Weight(this, "weight", P("weight")), onnx.Weight(this, "bias", P("bias"))];
        var epsilon = OnnxAttribute.Of("epsilon", (float)Epsilon);
        if (onnx.ShapeOf(Inputs[0]).Rank == 1)
        {
            onnx.Op("LayerNormalization", Name, [Inputs[0], .. weights], OnnxAttribute.Of("axis", -1), epsilon);
            return;
        }
        onnx.Op("Transpose", Name + ".channels_last", [Inputs[0]], OnnxAttribute.Of("perm", [0, 2, 3, 1]));
        onnx.Op("LayerNormalization", Name + ".normalized", [Name + ".channels_last", .. weights], OnnxAttribute.Of("axis", -1), epsilon);
        onnx.Op("Transpose", Name, [Name + ".normalized"], OnnxAttribute.Of("perm", [0, 3, 1, 2]));
    }
}
