namespace Ascai.Evaluation;

/// <summary>
/// What evaluating one candidate measured: validation accuracy (percent) and cost. A candidate whose forward pass
/// gave NaN or infinite outputs has failed (<see cref="Failure"/> says why): it computed no accuracy, and counts
/// as below every floor.
/// </summary>
public sealed record CandidateResult(double ValAccuracy, long Macs, long Params, string? Failure = null)
{
    /// <summary>A failed candidate of the given cost.</summary>
    public static CandidateResult Failed(long macs, long parameters, string why) => new(0, macs, parameters, why);
}
