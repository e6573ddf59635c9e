namespace Ascai.Search;

/// <summary>One non-dominated candidate of a search, as the summary reports it: what it costs and how it scored where.</summary>
public sealed record FrontModel
{
    /// <summary>Its journal index.</summary>
    public int Index { get; init; }
    /// <summary>MACs per image.</summary>
    public long Macs { get; init; }
    /// <summary>MACs relative to the original model.</summary>
    public double MacsRatio { get; init; }
    /// <summary>Bit-operations per image (its MACs when every layer is float32).</summary>
    public long Bops { get; init; }
    /// <summary>Latency at the latency batch as the run's table predicts it (ms; runs priced in latency).</summary>
    public double? Latency { get; init; }
    /// <summary>Latency at the latency batch measured end to end in ONNX Runtime (ms; runs priced in latency, the cheapest candidates).</summary>
    public double? MeasuredLatency { get; init; }
    /// <summary>Parameters.</summary>
    public long Params { get; init; }
    /// <summary>Accuracy on the images the search scored it on (percent).</summary>
    public double ValAccuracy { get; init; }
    /// <summary>Under a confidence floor: base accuracy minus the bound on its drop there.</summary>
    public double? ValJudged { get; init; }
    /// <summary>Accuracy on the confirmation images, when the search kept some.</summary>
    public double? ConfirmationAccuracy { get; init; }
    /// <summary>Under a confidence floor: the confirmation images' base accuracy minus the bound on its drop there.</summary>
    public double? ConfirmationJudged { get; init; }
    /// <summary>
    /// The confirmation walk's verdict (<see cref="FrontConfirmation"/>): true where it was reached and met the floor on the
    /// confirmation images, false where it missed (the walk stops there), null where the walk did not reach it or there are
    /// no confirmation images.
    /// </summary>
    public bool? Confirmed { get; init; }
    /// <summary>Accuracy on the test split (null when not measured).</summary>
    public double? TestAccuracy { get; init; }
    /// <summary>Whether this is the model the search returned.</summary>
    public bool Returned { get; init; }
}
