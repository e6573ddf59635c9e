using static TorchSharp.torch;

namespace Ascai.Graph.Nodes;

/// <summary>
/// Multiplies each channel by 0 or 1: the place where structured pruning zeroes channels. A freshly inserted
/// mask keeps every channel, so it leaves the model's outputs unchanged.
/// </summary>
[NodeKind("channelmask")]
public sealed class ChannelMaskNode : Node
{
    /// <summary>Channels masked.</summary>
    public required int Channels { get; init; }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, long[] Shape, bool Trainable)> TensorSpecs() => [("mask", [Channels], false)];

    /// <inheritdoc/>
    public override Shape InferShape(IReadOnlyList<Shape> inputs)
    {
        ExpectInputs(inputs, 1);
        if (inputs[0].Channels != Channels)
            throw new AscaiException($"node '{Name}' (channelmask) expects {Channels} channels, got {inputs[0]}");
        return inputs[0];
    }

    /// <summary>
    /// When set, a per-sample, per-channel multiplier (N x C, all ones) applied with the mask, so that its gradient
    /// is each image's d loss / d mask_c: how channel importance is measured. Not saved.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore] public Tensor? Probe { get; set; }

    /// <inheritdoc/>
    public override void LinkChannels(ChannelLinks links) => links.Same().KeepsZeros(0);

    /// <inheritdoc/>
    public override Node WithChannels(ChannelSelection kept)
    {
        using var scope = NewDisposeScope();
        var mask = new ChannelMaskNode { Name = Name, Inputs = [.. Inputs], Channels = kept.Output.Length };
        mask.SetTensor("mask", Buffers["mask"].index_select(0, kept.OutputIndex()));
        return mask;
    }

    /// <inheritdoc/>
    public override void ToOnnx(IOnnxGraph onnx)
    {
        // The mask multiplies channel c of an (N, C, ...) tensor: broadcast it as (1, C, 1, 1) or (1, C).
        int rank = onnx.ShapeOf(Inputs[0]).Rank + 1;
        long[] shape = [1, Channels, .. Enumerable.Repeat(1L, rank - 2)];
        onnx.Op("Mul", Name, [Inputs[0], onnx.Weight(this, "mask", Buffers["mask"].reshape(shape))]);
    }

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training)
    {
        var x = inputs[0];
        var shape = new long[x.dim()];
        Array.Fill(shape, 1L);
        shape[1] = Channels;
        var y = x * Buffers["mask"].view(shape);
        if (Probe is null) return y;
        shape[0] = x.shape[0];
        return y * Probe.view(shape);
    }

    /// <summary>Indices of channels kept (mask = 1).</summary>
    public int[] KeptChannels() =>
        Buffers["mask"].data<float>().ToArray().Select((v, i) => (v, i)).Where(p => p.v != 0).Select(p => p.i).ToArray();
}
