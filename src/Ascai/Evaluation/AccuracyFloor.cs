
namespace Ascai.Evaluation;

/// <summary>
/// The accuracy floor a candidate must meet. With no <see cref="Confidence"/> (the paper's), its accuracy on the
/// validation images must be at least <see cref="Threshold"/>. With one, the floor is a promise about images the
/// search never saw: the candidate is compared with the base model image by image, and the one-sided upper
/// confidence bound on its drop (<see cref="DropBound"/>) must not exceed the allowed drop, base accuracy minus
/// threshold. Only the images where the two disagree carry information (McNemar): given the m such images, the
/// count b where the candidate is wrong and the base right is binomial (m, q), and the drop is (2q - 1) m / n; the
/// bound puts Clopper-Pearson's exact upper bound for q into it.
/// </summary>
public sealed record AccuracyFloor(double BaseAccuracy, double Threshold, double? Confidence = null)
{
    /// <summary>The points below the base model a candidate may lose.</summary>
    public double AllowedDrop => BaseAccuracy - Threshold;

    /// <summary>The accuracy the floor judges: the point estimate, or base accuracy minus the drop's upper bound (never above the point estimate).</summary>
    public double Judged(CandidateResult result) =>
        Confidence is { } c && result.Worse is { } worse && result.Better is { } better && result.Images > 0
            ? Math.Min(result.ValAccuracy, BaseAccuracy - DropBound(worse, better, result.Images, c))
            : result.ValAccuracy;

    /// <summary>
    /// Whether a candidate scored on <paramref name="seen"/> of <paramref name="images"/> images so far (<paramref name="correct"/>
    /// right, <paramref name="worse"/> and <paramref name="better"/> against the base model) can still meet the floor:
    /// at best every remaining image is right, which adds up to <paramref name="baseWrongLeft"/> to its better count (the
    /// remaining images the base model gets wrong) and none to its worse count. The bound is minimised over every better
    /// count in that range, since it is not monotone where few images disagree: the answer is exact.
    /// </summary>
    public bool CanStillMeet(int correct, int worse, int better, int seen, int images, int baseWrongLeft)
    {
        double best = 100.0 * (correct + images - seen) / images;
        if (best < Threshold - 1e-9) return false;
        if (Confidence is not { } c) return true;
        for (int b = better + baseWrongLeft; b >= better; b--)
            if (BaseAccuracy - DropBound(worse, b, images, c) >= Threshold - 1e-9) return true;
        return false;
    }

    /// <summary>Whether a candidate meets the floor (a failed one never does).</summary>
    public bool Meets(CandidateResult result) => result.Failure is null && Judged(result) >= Threshold - 1e-9;

    /// <summary>
    /// The one-sided upper bound, in accuracy points, on the drop of a candidate that is wrong on <paramref name="worse"/>
    /// images the base model gets right and right on <paramref name="better"/> images it gets wrong, out of
    /// <paramref name="images"/>, at <paramref name="confidence"/>.
    /// </summary>
    public static double DropBound(int worse, int better, int images, double confidence)
    {
        int m = worse + better;
        if (m == 0) return 0;
        double q = UpperBound(worse, m, confidence);
        return 100.0 * m * (2 * q - 1) / images;
    }

    /// <summary>Clopper-Pearson's one-sided upper bound on a binomial proportion: the largest q with P(X &lt;= k | n, q) &gt;= 1 - confidence.</summary>
    public static double UpperBound(int k, int n, double confidence)
    {
        if (k >= n) return 1;
        double low = (double)k / n, high = 1;
        for (int i = 0; i < 100 && high - low > 1e-12; i++)
        {
            double mid = (low + high) / 2;
            if (BinomialCdf(k, n, mid) >= 1 - confidence) low = mid; else high = mid;
        }
        return (low + high) / 2;
    }

    /// <summary>P(X &lt;= k) for X ~ Binomial(n, q), summed in log space (stable for thousands of trials).</summary>
    public static double BinomialCdf(int k, int n, double q)
    {
        if (q <= 0) return 1;
        if (q >= 1) return k >= n ? 1 : 0;
        double logQ = Math.Log(q), logP = Math.Log(1 - q), logChoose = 0, max = double.NegativeInfinity;
        var terms = new double[k + 1];
        for (int i = 0; i <= k; i++)
        {
            if (i > 0) logChoose += Math.Log(n - i + 1) - Math.Log(i);
            terms[i] = logChoose + i * logQ + (n - i) * logP;
            max = Math.Max(max, terms[i]);
        }
        return Math.Min(1, Math.Exp(max) * terms.Sum(t => Math.Exp(t - max)));
    }
}
