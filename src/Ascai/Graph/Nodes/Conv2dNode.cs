using static TorchSharp.torch;

namespace Ascai.Graph.Nodes;

/// <summary>2-D convolution with groups, stride, padding and dilation (kernel, stride, padding, dilation as [h, w]).</summary>
[NodeKind("conv2d")]
public sealed class Conv2dNode : Node
{
    /// <summary>Input channels.</summary>
    public required int InChannels { get; init; }
    /// <summary>Output channels.</summary>
    public required int OutChannels { get; init; }
    /// <summary>Kernel size [kh, kw].</summary>
    public required int[] Kernel { get; init; }
    /// <summary>Stride [sh, sw].</summary>
    public int[] Stride { get; init; } = [1, 1];
    /// <summary>Zero padding [ph, pw], applied on both sides.</summary>
    public int[] Padding { get; init; } = [0, 0];
    /// <summary>Dilation [dh, dw].</summary>
    public int[] Dilation { get; init; } = [1, 1];
    /// <summary>Groups (InChannels for a depthwise conv).</summary>
    public int Groups { get; init; } = 1;
    /// <summary>Whether the conv adds a bias.</summary>
    public bool HasBias { get; init; }

    /// <summary>Whether every input channel is its own group (depthwise).</summary>
    public bool IsDepthwise => Groups > 1 && Groups == InChannels;

    /// <inheritdoc/>
    public override IEnumerable<(string Name, long[] Shape, bool Trainable)> TensorSpecs()
    {
        yield return ("weight", [OutChannels, InChannels / Groups, Kernel[0], Kernel[1]], true);
        if (HasBias) yield return ("bias", [OutChannels], true);
    }

    /// <inheritdoc/>
    public override Shape InferShape(IReadOnlyList<Shape> inputs)
    {
        var x = ExpectFeatureMap(inputs);
        if (x.Channels != InChannels)
            throw new AscaiException($"node '{Name}' (conv2d) expects {InChannels} input channels, got {x.Channels}");
        if (Groups < 1 || InChannels % Groups != 0 || OutChannels % Groups != 0)
            throw new AscaiException($"node '{Name}' (conv2d): groups {Groups} must divide {InChannels} and {OutChannels}");
        int h = OutputSize(x.Height, 0), w = OutputSize(x.Width, 1);
        if (h < 1 || w < 1) throw new AscaiException($"node '{Name}' (conv2d): input {x} is too small for its kernel");
        return new Shape(OutChannels, h, w);
    }

    private int OutputSize(int size, int axis) =>
        (size + 2 * Padding[axis] - Dilation[axis] * (Kernel[axis] - 1) - 1) / Stride[axis] + 1;

    /// <summary>Channel block of libtorch's oneDNN convolution kernels (16 with AVX-512, 8 with AVX2).</summary>
    public const int KernelChannelBlock = 16;

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training)
    {
        // Why contiguous: libtorch's oneDNN convolution also returns wrong values for some channel counts when its
        // input is in channels-last order (which an earlier oneDNN convolution can hand on), e.g. a 1x1 conv from 64
        // to 40 channels; in plain NCHW order those shapes are right. ONNX Runtime's outputs caught this.
        var x = inputs[0].contiguous();
        var weight = P("weight");
        // Why: libtorch 2.10's oneDNN kxk convolution (TorchSharp 0.107) returns wrong values when the input
        // channels exceed one kernel block and are not a multiple of it (e.g. 18 or 40 channels, not 16 or 32),
        // which compact pruned models hit all the time. Zero channels change nothing mathematically and route the
        // call to the correct kernel; turning oneDNN off instead costs 2-3x (docs/performance.md).
        int missing = (KernelChannelBlock - InChannels % KernelChannelBlock) % KernelChannelBlock;
        if (Groups == 1 && InChannels > KernelChannelBlock && missing > 0 && (Kernel[0] > 1 || Kernel[1] > 1))
        {
            x = nn.functional.pad(x, [0, 0, 0, 0, 0, missing]);
            weight = nn.functional.pad(weight, [0, 0, 0, 0, 0, missing]);
        }
        var bias = HasBias ? P("bias") : null;
        // Why: the backward pass (gradient of the input) has the same oneDNN error with the roles swapped, i.e. when
        // the OUTPUT channels exceed a block and are not a multiple of it (NaN gradients seen when fine-tuning a
        // compact model with 23 output channels). When gradients are needed, compute zero extra output channels and
        // drop them.
        int extra = (KernelChannelBlock - OutChannels % KernelChannelBlock) % KernelChannelBlock;
        bool padOutputs = Groups == 1 && OutChannels > KernelChannelBlock && extra > 0 && (Kernel[0] > 1 || Kernel[1] > 1)
            && is_grad_enabled() && (x.requires_grad || weight.requires_grad);
        if (padOutputs)
        {
            weight = nn.functional.pad(weight, [0, 0, 0, 0, 0, 0, 0, extra]);
            if (bias is not null) bias = nn.functional.pad(bias, [0, extra]);
        }
        var y = nn.functional.conv2d(x, weight, bias,
            strides: [Stride[0], Stride[1]], padding: [Padding[0], Padding[1]],
            dilation: [Dilation[0], Dilation[1]], groups: Groups);
        return padOutputs ? y.narrow(1, 0, OutChannels) : y;
    }

    // Costs follow the shapes, not the attributes, so the cost model can price a masked graph by its effective
    // channel counts; a depthwise conv stays depthwise when its channels shrink.
    private long InputsPerGroup(IReadOnlyList<Shape> inputs) => IsDepthwise ? 1 : inputs[0].Channels / Groups;

    /// <inheritdoc/>
    public override long Macs(IReadOnlyList<Shape> inputs, Shape output) =>
        InputsPerGroup(inputs) * Kernel[0] * Kernel[1] * output.Channels * output.Height * output.Width;

    /// <inheritdoc/>
    public override long Params(IReadOnlyList<Shape> inputs, Shape output) =>
        InputsPerGroup(inputs) * Kernel[0] * Kernel[1] * output.Channels + (HasBias ? output.Channels : 0);

    /// <inheritdoc/>
    public override void LinkChannels(ChannelLinks links)
    {
        if (Groups == 1) links.Fresh().Reads();
        else if (IsDepthwise && OutChannels == InChannels)
        {
            // Channel i in, channel i out; a bias makes a zero channel non-zero.
            links.Same();
            if (!HasBias) links.KeepsZeros(0);
        }
        // A grouped conv mixes the channels of each group: they go in and out together, every group keeping as many.
        else if (OutChannels == InChannels) links.Same().Reads().InBlocks(Groups);
        // A depthwise conv that multiplies its channels is opaque.
    }

    /// <inheritdoc/>
    public override Node WithChannels(ChannelSelection kept)
    {
        using var scope = NewDisposeScope();
        var rows = kept.OutputIndex();
        var weight = P("weight").detach().index_select(0, rows);
        int inputs = kept.Input(0).Length;
        if (Groups == 1) weight = weight.index_select(1, kept.InputIndex(0));
        else if (!IsDepthwise)
        {
            // Each kept output reads the kept inputs of its own group (as many in every group), by their index within it.
            int perGroup = InChannels / Groups, keptPerGroup = inputs / Groups;
            var local = kept.Input(0).GroupBy(c => c / perGroup).ToDictionary(g => g.Key, g => g.Select(c => (long)(c % perGroup)).ToArray());
            var index = kept.Output.SelectMany(o => local[o / (OutChannels / Groups)]).ToArray();
            weight = weight.gather(1, tensor(index).view(kept.Output.Length, keptPerGroup, 1, 1).expand(-1, -1, Kernel[0], Kernel[1]));
        }
        var conv = Resized(inputs, kept.Output.Length);
        conv.SetTensor("weight", weight);
        if (HasBias) conv.SetTensor("bias", P("bias").index_select(0, rows));
        return conv;
    }

    /// <inheritdoc/>
    public override void ToOnnx(IOnnxGraph onnx) =>
        onnx.Op("Conv", Name, [Inputs[0], onnx.Weight(this, "weight", P("weight")), .. HasBias ? [onnx.Weight(this, "bias", P("bias"))] : Array.Empty<string>()],
            OnnxAttribute.Of("kernel_shape", Kernel), OnnxAttribute.Of("strides", Stride), OnnxAttribute.Of("pads", [Padding[0], Padding[1], Padding[0], Padding[1]]),
            OnnxAttribute.Of("dilations", Dilation), OnnxAttribute.Of("group", Groups));

    /// <summary>The same conv with other channel counts (a depthwise conv keeps one group per channel), optionally with or without a bias; no tensors.</summary>
    public Conv2dNode Resized(int inChannels, int outChannels, string? name = null, string[]? inputs = null, bool? hasBias = null) => new()
    {
        Name = name ?? Name, Inputs = inputs ?? [.. Inputs], InChannels = inChannels, OutChannels = outChannels,
        Kernel = [.. Kernel], Stride = [.. Stride], Padding = [.. Padding], Dilation = [.. Dilation],
        Groups = IsDepthwise ? inChannels : Groups, HasBias = hasBias ?? HasBias,
    };
}
