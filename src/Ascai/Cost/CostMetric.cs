namespace Ascai.Cost;

/// <summary>
/// What a search counts as a candidate's cost, the saving of the score being one minus its ratio to the original's:
/// multiply-accumulates, trainable parameters, bit-operations (MACs weighted by the bits of each layer's weights and
/// activations: <see cref="ModelProfile.TotalBops"/>), or latency on this machine (predicted from a per-layer table).
/// </summary>
public enum CostMetric
{
    /// <summary>Multiply-accumulates per image.</summary>
    Macs,
    /// <summary>Trainable parameters (those not zero, for unstructured pruning).</summary>
    Params,
    /// <summary>Bit-operations per image: MACs x weight bits x activation bits / 1024, so a float32 model's BOPs are its MACs.</summary>
    Bops,
    /// <summary>Milliseconds of a forward pass at the latency batch in ONNX Runtime on this machine, summed from a per-layer table.</summary>
    Latency,
}

/// <summary>Reading a cost in a chosen metric.</summary>
public static class CostMetrics
{
    /// <summary>The cost in <paramref name="metric"/> of a model of these MACs, parameters, BOPs and latency (ms).</summary>
    public static double Select(this CostMetric metric, long macs, long parameters, long bops, double latency) => metric switch
    {
        CostMetric.Params => parameters,
        CostMetric.Bops => bops,
        CostMetric.Latency => latency,
        _ => macs,
    };

    /// <summary>The metric's name as users write it (<c>--cost macs</c>) and as tables head it.</summary>
    public static string Name(this CostMetric metric) => metric switch
    {
        CostMetric.Params => "params",
        CostMetric.Bops => "BOPs",
        CostMetric.Latency => "latency",
        _ => "MACs",
    };
}
