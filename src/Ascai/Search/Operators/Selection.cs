namespace Ascai.Search.Operators;

/// <summary>
/// Min-normalised fitness-proportional selection with replacement (method.md section 5): individual n is drawn
/// with probability (s_n - s_min) / sum(s_m - s_min), so the weakest never is; equal scores draw uniformly.
/// </summary>
public static class Selection
{
    /// <summary>Indices of <paramref name="count"/> parents drawn from <paramref name="scores"/>.</summary>
    public static int[] Select(IReadOnlyList<double> scores, int count, Random random)
    {
        double min = scores.Min();
        var weights = scores.Select(s => s - min).ToArray();
        double total = weights.Sum();
        var picks = new int[count];
        for (int k = 0; k < count; k++)
        {
            if (!(total > 0)) { picks[k] = random.Next(scores.Count); continue; }
            double u = random.NextDouble() * total, running = 0;
            int chosen = Array.FindLastIndex(weights, w => w > 0); // guards against rounding at the top end
            for (int i = 0; i < weights.Length; i++)
            {
                running += weights[i];
                if (u < running && weights[i] > 0) { chosen = i; break; }
            }
            picks[k] = chosen;
        }
        return picks;
    }

    /// <summary>
    /// The scores selection draws from under <see cref="ConstraintHandling.Strict"/> (Deb's feasibility rule): while
    /// any individual meets the floor, every one below it scores as the population's weakest, so it is never drawn.
    /// Under the paper's penalty alone, exp(100 s) / PEN can rank a model a few points below the floor above every
    /// feasible one, and the population drifts below the floor (measured: docs/search.md).
    /// </summary>
    public static double[] FeasibleFirst(IReadOnlyList<double> scores, IReadOnlyList<bool> feasible)
    {
        if (!feasible.Any(f => f)) return scores.ToArray();
        double weakest = scores.Min();
        return scores.Select((s, i) => feasible[i] ? s : weakest).ToArray();
    }
}
