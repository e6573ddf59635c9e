using static TorchSharp.torch;

namespace Ascai.Graph.Nodes;

/// <summary>The graph's input: one image batch of the given per-sample shape.</summary>
[NodeKind("input")]
public sealed class InputNode : Node
{
    /// <summary>Per-sample input shape, e.g. 1x28x28.</summary>
    public required int[] Shape { get; init; }

    /// <inheritdoc/>
    public override Shape InferShape(IReadOnlyList<Shape> inputs) => new(Shape);

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training) =>
        throw new InvalidOperationException("the input node is fed by the graph");
}
