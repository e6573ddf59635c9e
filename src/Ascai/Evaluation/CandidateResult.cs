using Ascai.Cost;

namespace Ascai.Evaluation;

/// <summary>
/// What evaluating one candidate measured: validation accuracy (percent) and cost, and against the base model on the
/// same <see cref="Images"/>: how many it gets wrong that the base gets right (<see cref="Worse"/>) and right that the
/// base gets wrong (<see cref="Better"/>), which the accuracy floor's confidence bound reads. A candidate whose forward
/// pass gave NaN or infinite outputs has failed (<see cref="Failure"/> says why): it computed no accuracy, and counts
/// as below every floor.
/// </summary>
public sealed record CandidateResult(double ValAccuracy, long Macs, long Params, string? Failure = null)
{
    /// <summary>Bit-operations per image (null: a float32 model's, its MACs).</summary>
    public long? Bops { get; init; }
    /// <summary>Predicted milliseconds of a forward pass at the latency table's batch (null: not priced in latency).</summary>
    public double? Latency { get; init; }
    /// <summary>Its cost in <paramref name="metric"/>.</summary>
    public double CostIn(CostMetric metric) => metric.Select(Macs, Params, Bops ?? Macs, Latency ?? double.NaN);
    /// <summary>Images it was scored on (0 when unknown).</summary>
    public int Images { get; init; }
    /// <summary>Images it gets wrong that the base model gets right, or null when not compared.</summary>
    public int? Worse { get; init; }
    /// <summary>Images it gets right that the base model gets wrong, or null when not compared.</summary>
    public int? Better { get; init; }
    /// <summary>
    /// When it was rejected early: the images scored before its errors made the floor out of reach. Its accuracy and
    /// counts are then the best it could still have reached (an upper bound), which is still below the floor.
    /// </summary>
    public int? RejectedAfter { get; init; }

    /// <summary>A failed candidate of the given cost.</summary>
    public static CandidateResult Failed(long macs, long parameters, string why) => new(0, macs, parameters, why);
}
