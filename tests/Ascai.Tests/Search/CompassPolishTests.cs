using Ascai.Search;
using Ascai.Search.Strategies;

namespace Ascai.Tests.Search;

/// <summary>The compass-search polish after the GA, against its definition.</summary>
public class CompassPolishTests
{
    private static readonly SearchSpace Space = SyntheticSearch.Space(4);

    private static SearchRun Search(SearchOptions options)
    {
        var run = new SearchRun(Space, new ScoreFunction(options.Score, 95, 94), 1_000_000, options, SyntheticSearch.Evaluate);
        new GeneticStrategy().Run(run, new Random(options.Seed));
        return run;
    }

    [Fact]
    public void NeighboursMoveOneGeneOneStepEachWay()
    {
        var genome = new[] { 0.5, 0.0, 0.2, 0.95 };
        var neighbours = CompassPolish.Neighbours(Space, genome, 0.1).ToList();
        Assert.Equal(2 * genome.Length, neighbours.Count);
        for (int i = 0; i < genome.Length; i++)
            for (int d = 0; d < 2; d++)
            {
                var n = neighbours[2 * i + d];
                Assert.Equal(genome.Where((_, j) => j != i), n.Where((_, j) => j != i)); // the other genes untouched
                double expected = Space.Genes[i].Clip(genome[i] + (d == 0 ? 1 : -1) * 0.1 * (Space.Genes[i].Max - Space.Genes[i].Min));
                Assert.Equal(expected, n[i], 12); // more compression first; clipped at the range's ends
            }
    }

    [Fact]
    public void TradesMoveTwoGenesOppositeWays()
    {
        var genome = new[] { 0.5, 0.3, 0.2, 0.4 };
        var trades = CompassPolish.Trades(Space, genome, 0.1).ToList();
        Assert.Equal(genome.Length * (genome.Length - 1), trades.Count);
        foreach (var t in trades)
        {
            var changed = Enumerable.Range(0, genome.Length).Where(i => t[i] != genome[i]).ToList();
            Assert.Equal(2, changed.Count);
            Assert.Single(changed, i => t[i] > genome[i]); // one prunes more, the other less
        }
    }

    [Fact]
    public void PolishEndsAtALocalOptimumNoWorseThanTheGeneticAlgorithm()
    {
        var options = new SearchOptions { Population = 6, Generations = 3, Seed = 5 };
        var ga = Search(options);
        var polished = Search(options with { Polish = 500 });
        Assert.True(polished.BestFeasible!.Score > ga.BestFeasible!.Score, "the polish improves a short GA's best");
        Assert.Equal("generations (3), then polish converged", polished.StopReason);
        Assert.True(polished.Evaluations < ga.Evaluations + 500, "it stops on its own once converged");
        // Converged: no neighbour nor trade at the finest step (sigma / 4 halved while >= the resolution) is feasible and better.
        double step = options.Sigma / 4;
        while (step / 2 >= options.ThresholdResolution) step /= 2;
        var score = new ScoreFunction(options.Score, 95, 94);
        var best = polished.BestFeasible.Genome;
        foreach (var neighbour in CompassPolish.Neighbours(Space, best, step).Concat(CompassPolish.Trades(Space, best, step)))
        {
            var (accuracy, _, _, cost) = SyntheticSearch.Evaluate(neighbour, default);
            Assert.False(score.Feasible(accuracy) && score.Score(1 - cost / 1e6, accuracy) > polished.BestFeasible.Score + 1e-12);
        }
    }

    [Fact]
    public void WithABudgetTheGeneticAlgorithmLeavesThePolishItsShare()
    {
        var options = new SearchOptions { Population = 8, Generations = 50, Budget = 120, Polish = 40, Seed = 2 };
        var run = Search(options);
        Assert.True(run.Evaluations <= 120);
        // The GA hands over between generations once at most 40 evaluations remain; the rest are the polish's.
        var lastGeneration = run.Records.Where(r => r.Generation >= 0).Max(r => r.Index);
        Assert.InRange(lastGeneration, 120 - 40 - 1, 120 - 40 + options.Population - 1);
        Assert.Contains(run.Records, r => r.Index > lastGeneration && r.Generation == -1);
    }
}
