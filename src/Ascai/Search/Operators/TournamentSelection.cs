namespace Ascai.Search.Operators;

/// <summary>
/// Tournament selection (not in the paper; <c>--selection tournament</c>): each parent is the winner among
/// <c>size</c> distinct individuals drawn at random. Only the order of the scores matters, so the pressure does not
/// grow with their scale: under the genecai score exp(100 s) / PEN a candidate 4% of the MACs cheaper scores 55x
/// higher, and proportional selection fills most of the next generation with copies of the best one (measured:
/// docs/search.md, "Selection"). With a feasibility mask this is Deb's original rule: one above the floor beats one
/// below it, whatever the scores.
/// </summary>
public static class TournamentSelection
{
    /// <summary>Indices of <paramref name="count"/> parents; the weakest individual never wins when others differ.</summary>
    /// <param name="scores">The individuals' scores.</param>
    /// <param name="feasible">Whether each meets the floor (Deb's rule), or null to compare scores only.</param>
    /// <param name="count">Parents to draw.</param>
    /// <param name="size">Contestants per tournament (clipped to the population).</param>
    /// <param name="random">Source of the draws.</param>
    public static int[] Select(IReadOnlyList<double> scores, IReadOnlyList<bool>? feasible, int count, int size, Random random)
    {
        int n = scores.Count;
        size = Math.Min(size, n);
        var order = Enumerable.Range(0, n).ToArray();
        var picks = new int[count];
        for (int k = 0; k < count; k++)
        {
            // A partial Fisher-Yates shuffle draws the contestants without replacement.
            int winner = -1;
            for (int c = 0; c < size; c++)
            {
                int j = c + random.Next(n - c);
                (order[c], order[j]) = (order[j], order[c]);
                if (winner < 0 || Beats(order[c], winner)) winner = order[c];
            }
            picks[k] = winner;
        }
        return picks;

        bool Beats(int a, int b) =>
            feasible is not null && feasible[a] != feasible[b] ? feasible[a] : scores[a] > scores[b];
    }
}
