namespace Ascai.Search.Operators;

/// <summary>
/// Uniform crossover of adjacent pairs (1, 2), (3, 4), ... on copies: with probability <c>pCross</c> a pair is
/// crossed, swapping each element with probability <c>pSwap</c> (method.md section 5).
/// </summary>
public static class Crossover
{
    /// <summary>Children of <paramref name="parents"/> (copies; the parents are not changed).</summary>
    public static double[][] Apply(IReadOnlyList<double[]> parents, double pCross, double pSwap, Random random)
    {
        var children = parents.Select(p => (double[])p.Clone()).ToArray();
        for (int i = 0; i + 1 < children.Length; i += 2)
        {
            if (random.NextDouble() >= pCross) continue;
            var (a, b) = (children[i], children[i + 1]);
            for (int g = 0; g < a.Length; g++)
                if (random.NextDouble() < pSwap) (a[g], b[g]) = (b[g], a[g]);
        }
        return children;
    }
}
