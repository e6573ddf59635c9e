using Ascai.Compression;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Search;
using Ascai.Serialization;

namespace Ascai.Tests.Search;

/// <summary>Evaluations are keyed on the model a genome makes, not on the genome; rejection of a hopeless candidate is exact.</summary>
public class DistinctModelTests
{
    [Fact]
    public void TwoGenomesThatMakeTheSameModelAreEvaluatedOnceAndCostOneUnitOfBudget()
    {
        using var model = ModelFile.Load(Repository.Model("vgg-small-fashion-mnist.ascai"));
        var space = SearchSpace.Build(model.Graph, "ps", ["conv1", "conv3"]);
        // conv1 has 32 channels: with multiples of 8, ratios 0.10 and 0.20 both keep 32 - 8 * floor... = 32 - 3 -> 29 -> 32 and 32 - 6 = 26 -> 32: nothing pruned.
        Assert.Equal(space.ModelKey([0.10, 0.3], 8), space.ModelKey([0.20, 0.3], 8));
        Assert.Equal(space.ModelKey([0.0, 0.3], 8), space.ModelKey([0.20, 0.3], 8)); // and that is the layer as is
        Assert.NotEqual(space.ModelKey([0.10, 0.3], 1), space.ModelKey([0.20, 0.3], 1)); // exact counts differ
        int calls = 0;
        var aliases = new List<(double[] Genome, int Index)>();
        var run = new SearchRun(space, new ScoreFunction(ScoreForm.Ascai, 95, 94), 1_000_000, new SearchOptions { Budget = 2 },
            (g, t) => { calls++; return new CandidateResult(94.5, (long)(1000 * (2 - g.Sum())), 10); }, modelKey: g => space.ModelKey(g, 8))
        {
            Observers = [new EventLog { OnAlias = (g, known, _) => aliases.Add((g, known.Index)) }],
        };
        var records = run.Evaluate([[0.10, 0.3], [0.20, 0.3], [0.5, 0.5]], 0);
        Assert.Equal(2, calls);            // the second genome is the first model
        Assert.Equal(2, run.Evaluations);  // and the budget of 2 still buys the third, a new model
        Assert.Equal(3, records.Count);
        Assert.Equal(records[0].Index, records[1].Index);
        Assert.Equal([0.20, 0.3], records[1].Genome); // under its own genome, for the strategy to breed from
        Assert.Equal([0.20, 0.3], Assert.Single(aliases).Genome);
    }

    [Fact]
    public void EarlyRejectionDecidesFeasibilityExactlyAndRecordsABound()
    {
        using var model = ModelFile.Load(Repository.Model("vgg-small-fashion-mnist.ascai"));
        var data = DatasetCatalog.Load("fashion-mnist", null, 1000);
        var spec = new EvaluationSpec { Importance = Ascai.Compression.ImportanceCriterion.L1, Fill = Ascai.Compression.PrunedChannelFill.Zero };
        var space = spec.Space(model.Graph);
        using var exact = spec.Evaluator(model, data, space);
        using var early = spec.Evaluator(model, data, space);
        double baseAccuracy = exact.BaseAccuracy();
        var random = new Random(3);
        foreach (double? confidence in new double?[] { null, 0.9 })
        {
            var floor = new AccuracyFloor(baseAccuracy, baseAccuracy - 1, confidence);
            early.RejectBelow = floor;
            int rejected = 0;
            for (int i = 0; i < 12; i++)
            {
                var genome = space.Genes.Select(_ => random.NextDouble() * 0.6).ToArray();
                var full = exact.Evaluate(genome);
                var quick = early.Evaluate(genome);
                Assert.Equal(floor.Meets(full), floor.Meets(quick));
                if (quick.RejectedAfter is { } after)
                {
                    rejected++;
                    Assert.InRange(after, 1, 999);
                    Assert.True(quick.ValAccuracy >= full.ValAccuracy, "a rejected candidate records the best it could still reach");
                    Assert.True(floor.Judged(quick) >= floor.Judged(full) - 1e-9);
                }
                else Assert.Equal(full, quick);
            }
            Assert.True(rejected > 0, $"some of the random candidates are rejected early (confidence {confidence})");
        }
    }

    [Fact]
    public void ACandidateIsRejectedOnlyWhenNoOutcomeOfTheRemainingImagesMeetsTheFloor()
    {
        // Every way the last images could go, against the early answer: 40 images, 10 seen, 4 of the rest wrong for the base.
        var floor = new AccuracyFloor(90, 88, Confidence: 0.8);
        const int images = 40, seen = 10, baseWrongLeft = 4, left = images - seen;
        for (int worse = 0; worse <= 4; worse++)
            for (int better = 0; better <= 2; better++)
            {
                int correct = 8 - worse + better;
                bool reachable = false;
                for (int turned = 0; turned <= baseWrongLeft; turned++)     // base-wrong images the candidate gets right
                    for (int lost = 0; lost <= left - baseWrongLeft; lost++) // base-right images it gets wrong
                    {
                        var final = new CandidateResult(100.0 * (correct + turned + (left - baseWrongLeft - lost)) / images, 1, 1)
                            { Images = images, Worse = worse + lost, Better = better + turned };
                        reachable |= floor.Meets(final);
                    }
                Assert.Equal(reachable, floor.CanStillMeet(correct, worse, better, seen, images, baseWrongLeft));
            }
    }

    [Fact]
    public void DiscreteRatioLevelsAreTheRatiosThatMakeDistinctModels()
    {
        var levels = SearchSpace.RatioLevels(32, 8);
        Assert.Equal([0, 0.25, 0.5, 0.75], levels);
        foreach (var (channels, multiple, blocks) in new[] { (32, 8, 1), (10, 1, 1), (37, 8, 1), (64, 8, 4), (3, 1, 1) })
        {
            var gene = new Gene("layer", "ps", GeneKind.Ratio, 0, SearchSpace.MaxRatio, Levels: SearchSpace.RatioLevels(channels, multiple, blocks));
            int Pruned(double ratio) => ChannelGroup.PrunedCount(ratio, channels, multiple, blocks);
            var counts = gene.Levels!.Select(Pruned).ToArray();
            Assert.Equal(counts.Distinct().Count(), counts.Length); // every level a different model
            var reachable = Enumerable.Range(0, 10_001).Select(i => Pruned(i * SearchSpace.MaxRatio / 10_000)).Distinct().Order();
            Assert.Equal(reachable, counts.Order());                // and every model a continuous ratio makes has a level
            for (int i = 0; i <= 10_000; i++)
            {
                // Snapping a ratio to its level never changes the model it makes, at the levels' own edges too.
                double ratio = i * SearchSpace.MaxRatio / 10_000;
                Assert.Equal(Pruned(ratio), Pruned(gene.Clip(ratio)));
            }
            foreach (double level in gene.Levels!.Skip(1))
                Assert.True(Pruned(Math.BitDecrement(level)) < Pruned(level), "a level is the smallest ratio of its model");
        }
    }

    [Fact]
    public void AMoveOfADiscreteRatioGeneAlwaysChangesTheModelWhenItCan()
    {
        var gene = new Gene("layer", "ps", GeneKind.Ratio, 0, SearchSpace.MaxRatio, Levels: SearchSpace.RatioLevels(32, 8));
        Assert.Equal(0.5, gene.Moved(0.25, 0.01));   // too small to reach the next level: it goes there anyway
        Assert.Equal(0.0, gene.Moved(0.25, -0.01));  // a ratio just below a level makes the level below's model
        Assert.Equal(0.75, gene.Moved(0.25, 0.6));   // a large move lands where it lands
        Assert.Equal(0.75, gene.Moved(0.75, 0.05));  // at the top end it stays
        Assert.Equal(0.0, gene.Moved(0.0, -0.3));
        var continuous = gene with { Levels = null };
        Assert.Equal(0.26, continuous.Moved(0.25, 0.01), 12); // without levels, a plain clipped move
    }

    [Fact]
    public void TheEvaluationSpecGivesDiscreteRatiosUnderItsChannelMultiple()
    {
        using var model = ModelFile.Load(Repository.Model("vgg-small-fashion-mnist.ascai"));
        var continuous = new EvaluationSpec().Space(model.Graph);
        var discrete = new EvaluationSpec { DiscreteRatios = true }.Space(model.Graph);
        Assert.All(continuous.Genes, g => Assert.Null(g.Levels));
        Assert.All(discrete.Genes, g => Assert.Equal(g.Levels![^1], g.Clip(SearchSpace.MaxRatio)));
        var random = new Random(5);
        int multiple = new EvaluationSpec().ChannelMultiple;
        for (int i = 0; i < 100; i++)
        {
            var genome = continuous.Genes.Select(_ => random.NextDouble() * SearchSpace.MaxRatio).ToArray();
            // The discrete space makes from any genome the model the continuous one makes from it.
            Assert.Equal(continuous.ModelKey(genome, multiple), discrete.ModelKey(discrete.Clip(genome), multiple));
        }
    }
}
