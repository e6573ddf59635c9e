namespace Ascai.Graph.Nodes;

/// <summary>Output-size arithmetic shared by the pooling nodes (PyTorch's formula, including ceil mode).</summary>
internal static class PoolShapes
{
    public static Shape Output(Node node, Shape x, int[] kernel, int[] stride, int[] padding, bool ceil)
    {
        int h = Size(x.Height, kernel[0], stride[0], padding[0], ceil);
        int w = Size(x.Width, kernel[1], stride[1], padding[1], ceil);
        if (h < 1 || w < 1) throw new AscaiException($"node '{node.Name}' ({node.Kind}): input {x} is too small for its window");
        return new Shape(x.Channels, h, w);
    }

    private static int Size(int size, int kernel, int stride, int padding, bool ceil)
    {
        int span = size + 2 * padding - kernel;
        int output = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
        // PyTorch: in ceil mode the last window must start inside the input or its left padding.
        if (ceil && (output - 1) * stride >= size + padding) output--;
        return output;
    }
}
