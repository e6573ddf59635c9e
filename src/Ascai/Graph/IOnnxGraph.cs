using static TorchSharp.torch;

namespace Ascai.Graph;

/// <summary>
/// What a node kind writes itself into an ONNX graph with (<see cref="Node.ToOnnx"/>; implemented by the ONNX exporter):
/// standard operators, float32 initialisers and int64 constants, so that a node kind's export lives in its own file and
/// the graph does not depend on ONNX's types.
/// </summary>
public interface IOnnxGraph
{
    /// <summary>Adds an operator; its output is the tensor <paramref name="name"/>.</summary>
    void Op(string type, string name, IEnumerable<string> inputs, params OnnxAttribute[] attributes);

    /// <summary>A float32 initialiser named "<paramref name="node"/>.<paramref name="tensor"/>" holding <paramref name="value"/>; returns its name.</summary>
    string Weight(Node node, string tensor, Tensor value);

    /// <summary>An int64 initialiser (a shape, indices, axes); returns its name.</summary>
    string Int64s(string name, long[] values);

    /// <summary>The per-sample shape of a tensor of the graph.</summary>
    Shape ShapeOf(string tensor);
}

/// <summary>An attribute of an ONNX operator: an int, a list of ints or a float.</summary>
public sealed record OnnxAttribute(string Name, long? Int = null, long[]? Ints = null, float? Float = null)
{
    /// <summary>An int attribute.</summary>
    public static OnnxAttribute Of(string name, long value) => new(name, Int: value);
    /// <summary>A list-of-ints attribute.</summary>
    public static OnnxAttribute Of(string name, IEnumerable<int> values) => new(name, Ints: values.Select(v => (long)v).ToArray());
    /// <summary>A float attribute.</summary>
    public static OnnxAttribute Of(string name, float value) => new(name, Float: value);
}
