namespace Ascai.Graph;

/// <summary>A layer graph with its metadata: what a model file holds.</summary>
public sealed class Model(LayerGraph graph, ModelInfo info) : IDisposable
{
    /// <summary>The layers and weights.</summary>
    public LayerGraph Graph { get; } = graph;

    /// <summary>Input normalisation, classes, training record.</summary>
    public ModelInfo Info { get; set; } = info;

    /// <summary>
    /// Settles the input normalisation: <paramref name="given"/> wins; otherwise a model that records none (ONNX) takes
    /// <paramref name="dataset"/>'s, and the return value says so (a model trained with another one would be judged on
    /// inputs it never saw); a model that records its own keeps it. Returns a warning or null.
    /// </summary>
    public string? ResolveNormalization(Normalization dataset, Normalization? given = null)
    {
        var chosen = given ?? (Info.NormalizationAssumed ? dataset : null);
        if (chosen is null) return null;
        chosen.Validate(given is null ? "the data set's normalisation" : nameof(Normalization), Graph.InputShape.Channels);
        Info = Info with { Normalization = chosen.For(Graph.InputShape.Channels), NormalizationAssumed = false };
        return given is null
            ? $"the model records no input normalisation: its inputs are normalised with the data set's mean [{string.Join(", ", chosen.Mean)}] and std [{string.Join(", ", chosen.Std)}]; give the ones it was trained with ({{{nameof(Normalization)}}})"
            : null;
    }

    /// <summary>Disposes the graph's tensors.</summary>
    public void Dispose() => Graph.Dispose();
}
