using Ascai.Compression;
using Ascai.Search;
using Ascai.Search.Operators;

namespace Ascai.Tests.Search;

public class OperatorTests
{
    [Fact]
    public void SelectionNeverPicksTheWeakestWhenOthersDiffer()
    {
        var picks = Selection.Select([0.5, 0.1, 0.9, 0.3], 10_000, new Random(1));
        Assert.DoesNotContain(1, picks);
        // Probability proportional to s - min: 0.4, 0, 0.8, 0.2 of 1.4.
        Assert.InRange(picks.Count(p => p == 2) / 10_000.0, 0.8 / 1.4 - 0.02, 0.8 / 1.4 + 0.02);
        Assert.InRange(picks.Count(p => p == 3) / 10_000.0, 0.2 / 1.4 - 0.02, 0.2 / 1.4 + 0.02);
    }

    [Fact]
    public void SelectionIsUniformWhenAllScoresAreEqual()
    {
        var picks = Selection.Select([2.0, 2.0, 2.0, 2.0], 8_000, new Random(2));
        Assert.All(Enumerable.Range(0, 4), i => Assert.InRange(picks.Count(p => p == i), 1800, 2200));
    }

    [Fact]
    public void FeasibleFirstNeverDrawsAnIndividualBelowTheFloorWhileOneAboveExists()
    {
        // exp(100 s)/PEN-like scores: the two infeasible individuals outrank the feasible ones by far.
        double[] scores = [1e6, 3.0, 5e5, 2.0, 4.0];
        bool[] feasible = [false, true, false, true, true];
        var picks = Selection.Select(Selection.FeasibleFirst(scores, feasible), 10_000, new Random(3));
        Assert.All(picks, i => Assert.True(feasible[i], $"drew infeasible individual {i}"));
        Assert.Contains(1, picks);
        Assert.Contains(4, picks);
        // The penalty alone (the paper's) draws the infeasible ones almost always.
        Assert.True(Selection.Select(scores, 1_000, new Random(3)).Count(i => !feasible[i]) > 990);
        // With nobody above the floor, the scores are left as they are.
        Assert.Equal(scores, Selection.FeasibleFirst(scores, [false, false, false, false, false]));
    }

    [Fact]
    public void TournamentNeverPicksTheWeakestAndPicksTheBestAtTheRateOfItsDraws()
    {
        double[] scores = [0.5, 0.1, 0.9, 0.3];
        var picks = TournamentSelection.Select(scores, null, 20_000, size: 2, new Random(5));
        Assert.DoesNotContain(1, picks);
        // The best wins whenever it is one of the 2 distinct contestants: probability 2/4. The second best wins when
        // drawn with one of the two below it: 2 pairs of 6.
        Assert.InRange(picks.Count(p => p == 2) / 20_000.0, 0.49, 0.51);
        Assert.InRange(picks.Count(p => p == 0) / 20_000.0, 2 / 6.0 - 0.01, 2 / 6.0 + 0.01);
        // A tournament as large as the population always picks the best.
        Assert.All(TournamentSelection.Select(scores, null, 100, size: 9, new Random(6)), p => Assert.Equal(2, p));
    }

    [Fact]
    public void TournamentDependsOnlyOnTheOrderOfTheScores()
    {
        double[] scores = [0.5, 0.1, 0.9, 0.3, 0.7];
        var exponential = scores.Select(s => Math.Exp(100 * s)).ToArray();
        Assert.Equal(TournamentSelection.Select(scores, null, 500, 3, new Random(7)), TournamentSelection.Select(exponential, null, 500, 3, new Random(7)));
    }

    [Fact]
    public void TournamentWithTheFloorLetsAFeasibleIndividualBeatEveryInfeasibleOne()
    {
        double[] scores = [1e6, 3.0, 5e5, 2.0, 4.0];
        bool[] feasible = [false, true, false, true, true];
        var picks = TournamentSelection.Select(scores, feasible, 10_000, 2, new Random(8));
        // An infeasible one wins only against the other infeasible one: 1 pair of 10.
        Assert.InRange(picks.Count(i => !feasible[i]) / 10_000.0, 0.09, 0.11);
        Assert.Equal(0, picks.Where(i => !feasible[i]).Distinct().Single());
        // Without the mask the scores alone decide.
        Assert.True(TournamentSelection.Select(scores, null, 1_000, 2, new Random(8)).Count(i => !feasible[i]) > 650);
    }

    [Fact]
    public void CrossoverWithSwapZeroCopiesAndWithSwapOneExchangesPairs()
    {
        double[][] parents = [[1, 1, 1], [2, 2, 2], [3, 3, 3], [4, 4, 4]];
        var none = Crossover.Apply(parents, pCross: 1, pSwap: 0, new Random(3));
        Assert.Equal(parents, none);
        Assert.NotSame(parents[0], none[0]);
        var all = Crossover.Apply(parents, pCross: 1, pSwap: 1, new Random(3));
        Assert.Equal([[2, 2, 2], [1, 1, 1], [4, 4, 4], [3, 3, 3]], all);
        Assert.Equal([1.0, 1, 1], parents[0]); // parents untouched: the same parent may have been drawn twice
    }

    [Fact]
    public void CrossoverOnlyMixesWithinPairs()
    {
        double[][] parents = [[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]];
        var children = Crossover.Apply(parents, 1, 0.5, new Random(4));
        Assert.All(children[0].Concat(children[1]), v => Assert.Contains(v, new[] { 1.0, 2.0 }));
        Assert.Equal([3.0, 3, 3, 3], children[2]); // the odd one out has no partner
    }

    [Fact]
    public void MutationStaysInRangeAndMovesBinsOneStep()
    {
        Gene[] genes = [new("a", "ps", GeneKind.Ratio, 0, 0.95), new("b", "svd", GeneKind.SvdBin, 3, 64, [3, 5, 9, 64])];
        var random = new Random(5);
        var population = Enumerable.Range(0, 500).Select(_ => new double[] { random.NextDouble() * 0.95, 9 }).ToArray();
        Mutation.Apply(population, genes, pMutate: 1, pTweak: 1, sigma: 0.5, random);
        Assert.All(population, g => Assert.InRange(g[0], 0, 0.95));
        Assert.All(population, g => Assert.Contains(g[1], new[] { 5.0, 64.0 }));
        Assert.Contains(population, g => g[1] == 5);
        Assert.Contains(population, g => g[1] == 64);
    }

    [Fact]
    public void MutationWithZeroProbabilityChangesNothing()
    {
        Gene[] genes = [new("a", "ps", GeneKind.Ratio, 0, 0.95)];
        double[][] population = [[0.3], [0.6]];
        Mutation.Apply(population, genes, 0, 1, 0.5, new Random(6));
        Assert.Equal([[0.3], [0.6]], population);
    }
}
