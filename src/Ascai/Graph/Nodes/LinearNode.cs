using static TorchSharp.torch;

namespace Ascai.Graph.Nodes;

/// <summary>Fully connected layer y = x W^T + b on a flat (F) input.</summary>
[NodeKind("linear")]
public sealed class LinearNode : Node
{
    /// <summary>Input features.</summary>
    public required int InFeatures { get; init; }
    /// <summary>Output features.</summary>
    public required int OutFeatures { get; init; }
    /// <summary>Whether a bias is added.</summary>
    public bool HasBias { get; init; } = true;

    /// <inheritdoc/>
    public override IEnumerable<(string Name, long[] Shape, bool Trainable)> TensorSpecs()
    {
        yield return ("weight", [OutFeatures, InFeatures], true);
        if (HasBias) yield return ("bias", [OutFeatures], true);
    }

    /// <inheritdoc/>
    public override Shape InferShape(IReadOnlyList<Shape> inputs)
    {
        ExpectInputs(inputs, 1);
        if (inputs[0].Rank != 1 || inputs[0].Dims[0] != InFeatures)
            throw new AscaiException($"node '{Name}' (linear) expects {InFeatures} input features, got {inputs[0]}");
        return new Shape(OutFeatures);
    }

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training) =>
        nn.functional.linear(inputs[0], P("weight"), HasBias ? P("bias") : null);

    /// <inheritdoc/>
    public override long Macs(IReadOnlyList<Shape> inputs, Shape output) => inputs[0].Elements * output.Elements;

    /// <inheritdoc/>
    public override long Params(IReadOnlyList<Shape> inputs, Shape output) =>
        inputs[0].Elements * output.Elements + (HasBias ? output.Elements : 0);

    /// <inheritdoc/>
    public override void LinkChannels(ChannelLinks links) => links.Fresh().Reads();

    /// <inheritdoc/>
    public override Node WithChannels(ChannelSelection kept)
    {
        using var scope = NewDisposeScope();
        var rows = kept.OutputIndex();
        var features = kept.InputFeatures(0);
        var linear = Resized(features.Length, kept.Output.Length);
        linear.SetTensor("weight", P("weight").detach().index_select(0, rows).index_select(1, tensor(features)));
        if (HasBias) linear.SetTensor("bias", P("bias").index_select(0, rows));
        return linear;
    }

    /// <inheritdoc/>
    public override void ToOnnx(IOnnxGraph onnx) =>
        onnx.Op("Gemm", Name, [Inputs[0], onnx.Weight(this, "weight", P("weight")), .. HasBias ? [onnx.Weight(this, "bias", P("bias"))] : Array.Empty<string>()],
            OnnxAttribute.Of("transB", 1));

    /// <summary>The same layer with other sizes, optionally with or without a bias; no tensors.</summary>
    public LinearNode Resized(int inFeatures, int outFeatures, string? name = null, string[]? inputs = null, bool? hasBias = null) => new()
    {
        Name = name ?? Name, Inputs = inputs ?? [.. Inputs], InFeatures = inFeatures, OutFeatures = outFeatures, HasBias = hasBias ?? HasBias,
    };
}
