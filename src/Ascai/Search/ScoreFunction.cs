namespace Ascai.Search;

/// <summary>Which form of Eq. 3 scores an individual (method.md section 4).</summary>
public enum ScoreForm
{
    /// <summary>s(v) / PEN(v), the paper's.</summary>
    Ascai,
    /// <summary>exp(kappa * s(v)) / PEN(v), GeneCAI's and the authors' code, kappa = 100.</summary>
    Genecai,
}

/// <summary>
/// The score of a compressed model, from its saving and its accuracy (percent), under a hard accuracy floor:
/// PEN = max(acc_o - acc_v, 0) + 1 + [acc_v &lt; acc_thr] exp(acc_thr - acc_v). The paper's Eq. 4 has |acc_o - acc_v|, which
/// penalises a candidate for being more accurate than the original (<paramref name="PenalizeGains"/>): among two
/// candidates of equal cost it prefers the one further below the original, as long as it is above it less.
/// </summary>
public sealed record ScoreFunction(ScoreForm Form, double BaseAccuracy, double Threshold, double Kappa = 100, bool PenalizeGains = false)
{
    /// <summary>
    /// With a cost target (<see cref="SearchConfig.TargetCost"/>): the share of the original's cost a candidate may have.
    /// The score is then its accuracy, above every candidate over the target, which is scored lower the further over it is.
    /// </summary>
    public double? TargetCost { get; init; }

    /// <summary>Whether a candidate saving <paramref name="saving"/> of the cost meets the cost target (always, without one).</summary>
    public bool WithinTarget(double saving) => TargetCost is not { } t || 1 - saving <= t + 1e-12;

    /// <summary>
    /// Eq. 4: the penalty (the +1 keeps a lossless candidate from dividing by zero). The floor term reads
    /// <paramref name="judged"/>, the accuracy the floor judges (<see cref="Evaluation.AccuracyFloor.Judged"/>; the point estimate
    /// unless a confidence bound is asked for), so that the score and the feasibility always agree.
    /// </summary>
    public double Penalty(double accuracy, double? judged = null)
    {
        double floorSide = judged ?? accuracy, loss = BaseAccuracy - accuracy;
        return (PenalizeGains ? Math.Abs(loss) : Math.Max(loss, 0)) + 1 + (floorSide < Threshold ? Math.Exp(Math.Min(Threshold - floorSide, 700)) : 0);
    }

    /// <summary>Eq. 3 for a saving s = 1 - cost / base cost (with a cost target: the accuracy judged, see <see cref="TargetCost"/>).</summary>
    public double Score(double saving, double accuracy, double? judged = null) => TargetCost is { } target
        ? (WithinTarget(saving) ? 1 + (judged ?? accuracy) / 100 : (judged ?? accuracy) / 100 - 10 * (1 - saving - target))
        : Form switch
    {
        ScoreForm.Genecai => Math.Exp(Math.Min(Kappa * saving, 700)) / Penalty(accuracy, judged),
        _ => saving / Penalty(accuracy, judged),
    };

    /// <summary>Whether a candidate meets the floor.</summary>
    public bool Feasible(double accuracy) => accuracy >= Threshold;
}
