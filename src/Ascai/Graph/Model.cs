namespace Ascai.Graph;

/// <summary>A layer graph with its metadata: what a model file holds.</summary>
public sealed class Model(LayerGraph graph, ModelInfo info) : IDisposable
{
    /// <summary>The layers and weights.</summary>
    public LayerGraph Graph { get; } = graph;

    /// <summary>Input normalisation, classes, training record.</summary>
    public ModelInfo Info { get; set; } = info;

    /// <summary>Disposes the graph's tensors.</summary>
    public void Dispose() => Graph.Dispose();
}
