using Ascai.Compression;
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
        SearchStrategies.Run(new GeneticStrategy(), run, new Random(options.Seed));
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

    // One descent from the best of a short GA, in a run of its own (the GA's run is stopped once it returns).
    private static (EvaluationRecord GaBest, EvaluationRecord End, int Evaluations, List<double[]> Path) DescentFromShortGa(SearchOptions options)
    {
        var gaBest = Search(options).BestFeasible!;
        var run = new SearchRun(Space, new ScoreFunction(options.Score, 95, 94), 1_000_000, options, SyntheticSearch.Evaluate);
        var start = run.Evaluate([gaBest.Genome], -1)[0];
        var path = new List<double[]>();
        var end = CompassPolish.Descend(run, start, int.MaxValue, path)!;
        return (gaBest, end, run.Evaluations, path);
    }

    [Fact]
    public void ADescentEndsAtALocalOptimumBetterThanTheGeneticAlgorithm()
    {
        var options = new SearchOptions { Population = 6, Generations = 3, Seed = 5 };
        var (gaBest, end, _, path) = DescentFromShortGa(options);
        Assert.True(end.Score > gaBest.Score, "the polish improves a short GA's best");
        Assert.Equal(gaBest.Genome, path[0]);
        Assert.Equal(end.Genome, path[^1]);
        // Converged: no neighbour nor trade at the finest step (sigma / 4 halved while >= the resolution) is feasible and better.
        double step = options.Sigma / 4;
        while (step / 2 >= options.ThresholdResolution) step /= 2;
        var score = new ScoreFunction(options.Score, 95, 94);
        foreach (var neighbour in CompassPolish.Neighbours(Space, end.Genome, step).Concat(CompassPolish.Trades(Space, end.Genome, step)))
        {
            var result = SyntheticSearch.Evaluate(neighbour, default);
            Assert.False(score.Feasible(result.ValAccuracy) && score.Score(1 - result.Macs / 1e6, result.ValAccuracy) > end.Score + 1e-12);
        }
    }

    [Fact]
    public void AConvergedDescentHandsTheRestOfTheShareToADescentInAnotherBasin()
    {
        var options = new SearchOptions { Population = 6, Generations = 3, Seed = 5 };
        var (_, firstEnd, oneDescent, path) = DescentFromShortGa(options);
        int gaEvaluations = Search(options).Evaluations;
        // A share the first descent cannot use up (in the GA's run some of its neighbours are cached already).
        var polished = Search(options with { Polish = oneDescent + 150 });
        Assert.True(polished.BestFeasible!.Score >= firstEnd.Score);
        Assert.Equal($"generations (3), then polish ({oneDescent + 150} evaluations)", polished.StopReason);
        Assert.True(polished.Evaluations >= gaEvaluations + oneDescent + 150, "the whole share is spent");
        // ... on descents elsewhere: some polish evaluations are far from every point the first descent went through.
        Assert.Contains(polished.Records.Skip(gaEvaluations), r => path.All(p => CompassPolish.Distance(Space, p, r.Genome) > options.Sigma / 2));
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

    [Theory]
    [InlineData("random")]
    [InlineData("uniform")]
    [InlineData("ddpg")]
    public void ThePolishFollowsAnyStrategy(string strategy)
    {
        var options = new SearchOptions { Population = 8, Budget = 60, Polish = 20, Seed = 1 };
        var bests = new List<EvaluationRecord>();
        var run = new SearchRun(Space, new ScoreFunction(options.Score, 95, 94), 1_000_000, options, SyntheticSearch.Evaluate)
        {
            Observers = [new EventLog { OnBest = bests.Add }],
        };
        SearchStrategies.Run(SearchStrategies.Create(strategy), run, new Random(options.Seed));
        // The strategy handed over with at most the polish's share left (a batch may reach into it), and the polish
        // spent the rest from the best the strategy found.
        int handOver = run.Records.TakeWhile(r => r.Generation >= 0).Count();
        Assert.InRange(handOver, 40, 40 + options.Population - 1);
        Assert.Equal(60, run.Evaluations);
        Assert.All(run.Records.Skip(handOver), r => Assert.Equal(-1, r.Generation));
        // Observers were told every new best, in order, the last being the run's best.
        Assert.Equal(run.BestFeasible, bests[^1]);
        Assert.True(bests.Zip(bests.Skip(1)).All(p => p.Second.Score > p.First.Score));
    }
}
