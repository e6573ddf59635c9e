using Ascai.Compression;

namespace Ascai.Search;

/// <summary>One model's numbers in a summary.</summary>
public sealed record SummaryModel
{
    /// <summary>Validation accuracy (percent).</summary>
    public double ValAccuracy { get; init; }
    /// <summary>Test accuracy (percent), or null when the data has no test images.</summary>
    public double? TestAccuracy { get; init; }
    /// <summary>MACs per image.</summary>
    public long Macs { get; init; }
    /// <summary>MACs relative to the baseline.</summary>
    public double MacsRatio { get; init; } = 1;
    /// <summary>Parameters (non-zero for pn).</summary>
    public long Params { get; init; }
    /// <summary>Bit-operations per image (its MACs when every layer is float32).</summary>
    public long Bops { get; init; }
    /// <summary>Latency at the latency batch as the run's table predicts it (ms; runs priced in latency).</summary>
    public double? Latency { get; init; }
    /// <summary>Latency at the latency batch, measured end to end in ONNX Runtime (ms; runs priced in latency).</summary>
    public double? MeasuredLatency { get; init; }
    /// <summary>Conv and linear layers (names of the original model) that run in int8 (best only; empty: float32).</summary>
    public List<string> Int8Layers { get; init; } = [];
    /// <summary>The genome (best only).</summary>
    public double[]? Genome { get; init; }
    /// <summary>The per-layer settings it stands for, as JSON (best only; <see cref="Plan"/> reads them).</summary>
    public string? Settings { get; init; }
    /// <summary>The compression plan of <see cref="Settings"/> (null where there are none): applied to the original model with the run's evaluation spec, it gives this model.</summary>
    public CompressionPlan? Plan() => Settings is null ? null : CompressionPlan.FromJson(Settings, "the summary's settings");
    /// <summary>Accuracy on the confirmation images (percent), when the search kept some.</summary>
    public double? ConfirmationAccuracy { get; init; }
    /// <summary>Whether it was fine-tuned after the search (its accuracies are then the fine-tuned model's).</summary>
    public bool FineTuned { get; init; }
}
