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

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training) =>
        nn.functional.conv2d(inputs[0], P("weight"), HasBias ? P("bias") : null,
            strides: [Stride[0], Stride[1]], padding: [Padding[0], Padding[1]],
            dilation: [Dilation[0], Dilation[1]], groups: Groups);

    /// <inheritdoc/>
    public override long Macs(IReadOnlyList<Shape> inputs, Shape output) =>
        (long)(InChannels / Groups) * Kernel[0] * Kernel[1] * OutChannels * output.Height * output.Width;
}
