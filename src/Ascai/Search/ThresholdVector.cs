using Ascai.Compression;
namespace Ascai.Search;

/// <summary>
/// The per-gene thresholds theta of the warm start (method.md section 3, Eq. 1-2): for each gene alone, all others
/// at their identity, the strongest compression whose validation accuracy stays at or above the floor. Ratio
/// genes: the largest ratio, by bisection to a resolution (about 7 evaluations). Bin genes: the smallest allowed
/// bin, by bisection over the allowed bins. Accuracy is assumed to fall as compression grows.
/// </summary>
public static class ThresholdVector
{
    /// <summary>Theta for every gene; <paramref name="feasible"/> says whether a genome meets the floor.</summary>
    public static double[] Compute(SearchSpace space, Func<double[], bool> feasible, double resolution = 0.01, CancellationToken cancel = default)
    {
        var theta = new double[space.Genes.Count];
        for (int i = 0; i < theta.Length; i++)
        {
            cancel.ThrowIfCancellationRequested();
            var gene = space.Genes[i];
            bool Ok(double value)
            {
                var genome = space.Identity;
                genome[i] = value;
                return feasible(genome);
            }
            theta[i] = gene.IsDiscrete ? SmallestFeasibleBin(gene.Allowed!, Ok) : LargestFeasibleRatio(gene.Min, gene.Max, resolution, Ok);
        }
        return theta;
    }

    /// <summary>Largest value in [lo, hi] with <paramref name="ok"/> true, assuming ok(lo) and monotone (bisection).</summary>
    public static double LargestFeasibleRatio(double lo, double hi, double resolution, Func<double, bool> ok)
    {
        if (ok(hi)) return hi;
        while (hi - lo > resolution)
        {
            double mid = Math.Round((lo + hi) / 2, 6);
            if (ok(mid)) lo = mid; else hi = mid;
        }
        return lo;
    }

    /// <summary>Smallest allowed bin with <paramref name="ok"/> true, assuming the last bin is (bisection over indices).</summary>
    public static int SmallestFeasibleBin(int[] allowed, Func<double, bool> ok)
    {
        int lo = 0, hi = allowed.Length - 1; // allowed[hi] is feasible (as is)
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (ok(allowed[mid])) hi = mid; else lo = mid + 1;
        }
        return allowed[hi];
    }
}
