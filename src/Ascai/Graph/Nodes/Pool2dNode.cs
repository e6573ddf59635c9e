namespace Ascai.Graph.Nodes;

/// <summary>A 2-D pooling window: what max and average pooling share (attributes and PyTorch's output-size rule).</summary>
public abstract class Pool2dNode : Node
{
    /// <summary>Window [kh, kw].</summary>
    public required int[] Kernel { get; init; }
    /// <summary>Stride [sh, sw]; defaults to the window.</summary>
    public int[]? Stride { get; init; }
    /// <summary>Padding [ph, pw].</summary>
    public int[] Padding { get; init; } = [0, 0];
    /// <summary>Round the output size up instead of down.</summary>
    public bool CeilMode { get; init; }

    /// <summary>The stride in effect.</summary>
    protected long[] Strides => [(Stride ?? Kernel)[0], (Stride ?? Kernel)[1]];

    /// <inheritdoc/>
    public override Shape InferShape(IReadOnlyList<Shape> inputs)
    {
        var x = ExpectFeatureMap(inputs);
        var stride = Stride ?? Kernel;
        int h = Size(x.Height, Kernel[0], stride[0], Padding[0]), w = Size(x.Width, Kernel[1], stride[1], Padding[1]);
        if (h < 1 || w < 1) throw new AscaiException($"node '{Name}' ({Kind}): input {x} is too small for its window");
        return new Shape(x.Channels, h, w);
    }

    /// <inheritdoc/>
    public override void LinkChannels(ChannelLinks links) => links.Same().KeepsZeros(0);

    /// <summary>The ONNX operator: MaxPool or AveragePool.</summary>
    protected abstract string OnnxOp { get; }

    /// <summary>Attributes of the ONNX operator beyond the window's.</summary>
    protected virtual OnnxAttribute[] OnnxAttributes => [];

    /// <inheritdoc/>
    public override void ToOnnx(IOnnxGraph onnx)
    {
        onnx.Op(OnnxOp, Name, [Inputs[0]],
        [
            OnnxAttribute.Of("kernel_shape", Kernel), OnnxAttribute.Of("strides", Stride ?? Kernel), OnnxAttribute.Of("pads", [Padding[0], Padding[1], Padding[0], Padding[1]]),
            OnnxAttribute.Of("ceil_mode", CeilMode ? 1 : 0), .. OnnxAttributes,
        ]);
    }

    private int Size(int size, int kernel, int stride, int padding)
    {
        int span = size + 2 * padding - kernel;
        int output = (CeilMode ? (span + stride - 1) / stride : span / stride) + 1;
        // PyTorch: in ceil mode the last window must start inside the input or its left padding.
        if (CeilMode && (output - 1) * stride >= size + padding) output--;
        return output;
    }
}
