using static TorchSharp.torch;

namespace Ascai.Graph.Nodes;

/// <summary>Batch normalisation over the channels of a feature map (or the features of a flat input).</summary>
[NodeKind("batchnorm")]
public sealed class BatchNormNode : Node
{
    /// <summary>Channels normalised.</summary>
    public required int Channels { get; init; }
    /// <summary>Added to the variance.</summary>
    public double Epsilon { get; init; } = 1e-5;
    /// <summary>Running-statistics update rate in training.</summary>
    public double Momentum { get; init; } = 0.1;

    /// <inheritdoc/>
    public override IEnumerable<(string Name, long[] Shape, bool Trainable)> TensorSpecs() =>
    [
        ("weight", [Channels], true), ("bias", [Channels], true),
        ("running_mean", [Channels], false), ("running_var", [Channels], false),
    ];

    /// <inheritdoc/>
    public override Shape InferShape(IReadOnlyList<Shape> inputs)
    {
        ExpectInputs(inputs, 1);
        if (inputs[0].Channels != Channels)
            throw new AscaiException($"node '{Name}' (batchnorm) expects {Channels} channels, got {inputs[0]}");
        return inputs[0];
    }

    /// <summary>
    /// While set to k, the forward pass normalises with the batch's own statistics and folds them into the running ones
    /// with weight 1 / (k + 1), so that k + 1 batches leave their plain average (batch-norm re-estimation).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int? Reestimating { get; set; }

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training) =>
        Reestimating is { } k
            ? nn.functional.batch_norm(inputs[0], Buffers["running_mean"], Buffers["running_var"], P("weight"), P("bias"), true, 1.0 / (k + 1), Epsilon)
            : nn.functional.batch_norm(inputs[0], Buffers["running_mean"], Buffers["running_var"], P("weight"), P("bias"), training, Momentum, Epsilon);

    /// <inheritdoc/>
    public override long Params(IReadOnlyList<Shape> inputs, Shape output) => 2L * output.Channels;

    /// <inheritdoc/>
    public override void LinkChannels(ChannelLinks links) => links.Same();

    /// <inheritdoc/>
    public override Node WithChannels(ChannelSelection kept)
    {
        using var scope = NewDisposeScope();
        var features = kept.OutputIndex(); // a batch-norm after a flatten normalises each feature
        var bn = Resized((int)features.shape[0]);
        foreach (var (name, value) in AllTensors()) bn.SetTensor(name, value.index_select(0, features));
        return bn;
    }

    /// <inheritdoc/>
    public override void ToOnnx(IOnnxGraph onnx) =>
        onnx.Op("BatchNormalization", Name,
            [Inputs[0], onnx.Weight(this, "weight", P("weight")), onnx.Weight(this, "bias", P("bias")), onnx.Weight(this, "running_mean", Buffers["running_mean"]),
                onnx.Weight(this, "running_var", Buffers["running_var"])],
            OnnxAttribute.Of("epsilon", (float)Epsilon));

    /// <summary>The same normalisation over another channel count; no tensors.</summary>
    public BatchNormNode Resized(int channels) => new() { Name = Name, Inputs = [.. Inputs], Channels = channels, Epsilon = Epsilon, Momentum = Momentum };
}
