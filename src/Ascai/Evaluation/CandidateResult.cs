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
    /// <summary>Images it was scored on (0 when unknown).</summary>
    public int Images { get; init; }
    /// <summary>Images it gets wrong that the base model gets right, or null when not compared.</summary>
    public int? Worse { get; init; }
    /// <summary>Images it gets right that the base model gets wrong, or null when not compared.</summary>
    public int? Better { get; init; }

    /// <summary>The result with its image-by-image comparison against the base model's <paramref name="baseCorrect"/>.</summary>
    public CandidateResult Against(bool[] baseCorrect, bool[] correct)
    {
        if (baseCorrect.Length != correct.Length) throw new ArgumentException("the two models were scored on different images");
        int worse = 0, better = 0;
        for (int i = 0; i < correct.Length; i++)
            if (baseCorrect[i] != correct[i]) { if (baseCorrect[i]) worse++; else better++; }
        return this with { Images = correct.Length, Worse = worse, Better = better };
    }

    /// <summary>A failed candidate of the given cost.</summary>
    public static CandidateResult Failed(long macs, long parameters, string why) => new(0, macs, parameters, why);
}
