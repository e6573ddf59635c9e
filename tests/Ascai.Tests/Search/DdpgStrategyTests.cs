using Ascai.Compression;
using Ascai.Graph;
using Ascai.Search;
using Ascai.Search.Strategies;

namespace Ascai.Tests.Search;

public class DdpgStrategyTests
{
    // conv1 3 -> 8 (3x3, stride 1) on 8x8, conv2 8 -> 16 (3x3, stride 2) to 4x4, a linear layer 256 -> 10.
    private static SearchSpace TwoConvs()
    {
        var g = new GraphBuilder(new Shape(3, 8, 8));
        var x = g.Relu(g.Conv("input", 8, 3, name: "conv1"));
        x = g.Relu(g.Conv(x, 16, 3, stride: 2, name: "conv2"));
        using var graph = g.Build(g.Linear(g.Flatten(x), 10, name: "fc"));
        return SearchSpace.Build(graph, "ps");
    }

    [Fact]
    public void TheStateEmbeddingIsAmcs()
    {
        var space = TwoConvs();
        const double conv1 = 3 * 9 * 8 * 8 * 8, conv2 = 8 * 9 * 16 * 4 * 4, fc = 256 * 10, total = conv1 + conv2 + fc;
        Assert.Equal((long)total, space.TotalMacs);
        // index, type, in, out, stride, kernel, MACs scaled to [0, 1] over the genes (the constant type and kernel left as
        // they are), MACs removed so far, MACs of the following genes' layers over the model's, the previous action.
        float[][] expected =
        [
            [0, 0, 0, 0, 0, 3, 0, 0, (float)(conv2 / total), 0],
            [1, 0, 1, 1, 1, 3, 1, 0, 0, 0],
        ];
        var states = DdpgStrategy.States(space);
        for (int i = 0; i < 2; i++) Assert.Equal(expected[i], states[i], (a, b) => Math.Abs(a - b) < 1e-6);
        // In an episode, the second layer sees what the first removed: half of conv1's outputs, and conv2's inputs with them.
        var (episode, actions) = DdpgStrategy.Episode(space, states, (_, i) => i == 0 ? 0.5 : 0.25);
        Assert.Equal([0.5, 0.25], actions);
        Assert.Equal((float)(0.5 * (conv1 + conv2) / total), episode[1][7], 1e-6f);
        Assert.Equal(0.5f, episode[1][9]);
        Assert.Equal(states[0], episode[0]);
    }

    [Fact]
    public void TheRewardIsAmcsAccuracyGuaranteedOne()
    {
        Assert.Equal(-0.1 * Math.Log(1e6), DdpgStrategy.FlopsReward(90, 1e6), 12);
        Assert.Equal(0, DdpgStrategy.FlopsReward(100, 5e7), 12);
        Assert.True(DdpgStrategy.FlopsReward(90, 1e5) > DdpgStrategy.FlopsReward(90, 1e6), "fewer MACs at the same error is better");
    }

    [Fact]
    public void WithoutNoiseAFixedActorReproducesItsActions()
    {
        var space = SyntheticSearch.Space(4);
        var states = DdpgStrategy.States(space);
        using var agent = new DdpgAgent(DdpgStrategy.Features, 100, new DdpgOptions(), new Random(7));
        var random = new Random(1);
        var (seen, actions) = DdpgStrategy.Episode(space, states, (s, _) => DdpgStrategy.Noisy(agent.Act(s), 0, random));
        var (_, again) = DdpgStrategy.Episode(space, states, (s, _) => DdpgStrategy.Noisy(agent.Act(s), 0, random));
        Assert.Equal(actions, again);
        for (int i = 0; i < actions.Length; i++) Assert.Equal(agent.Act(seen[i]), actions[i], 12);
        Assert.All(actions, a => Assert.InRange(a, 0, 1));
    }

    private static SearchRun Search(SearchOptions options, Journal? journal = null)
    {
        var space = SyntheticSearch.Space(4);
        var run = new SearchRun(space, new ScoreFunction(options.Score, 95, 94), 1_000_000, options, SyntheticSearch.Evaluate, journal);
        SearchStrategies.Run(new DdpgStrategy(), run, new Random(options.Seed));
        return run;
    }

    [Fact]
    public void TheSameSeedGivesTheSameJournalAndAResumeEndsWhereTheRunWould()
    {
        var options = new SearchOptions { Budget = 40, Seed = 5, Ddpg = new DdpgOptions { Warmup = 10, Hidden = 16 } };
        using var dir = new TempDirectory();
        using (var a = new Journal(dir.File("a.jsonl"))) Search(options, a);
        using (var b = new Journal(dir.File("b.jsonl"))) Search(options, b);
        Assert.Equal(Lines(dir.File("a.jsonl")), Lines(dir.File("b.jsonl")));
        using (var c = new Journal(dir.File("c.jsonl"))) Search(options with { Seed = 6 }, c);
        Assert.NotEqual(Lines(dir.File("a.jsonl")), Lines(dir.File("c.jsonl")));
        // Stopped after 25 episodes, then resumed from its journal with the full budget: the same 40 evaluations.
        using (var d = new Journal(dir.File("d.jsonl"))) Search(options with { Budget = 25 }, d);
        using (var d = new Journal(dir.File("d.jsonl"))) Assert.Equal(40, Search(options, d).Evaluations);
        Assert.Equal(Lines(dir.File("a.jsonl")), Lines(dir.File("d.jsonl")));
    }

    [Fact]
    public void TheBudgetBuysDistinctModelsWhenEpisodesRepeatThem()
    {
        // Models keyed on each gene rounded to a quarter (5^4 models): some episodes repeat a model and cost nothing.
        var options = new SearchOptions { Budget = 20, Seed = 3, Ddpg = new DdpgOptions { Warmup = 10, Hidden = 16 } };
        var space = SyntheticSearch.Space(4);
        var run = new SearchRun(space, new ScoreFunction(options.Score, 95, 94), 1_000_000, options, SyntheticSearch.Evaluate,
            modelKey: g => string.Join(",", g.Select(v => Math.Round(v * 4))));
        SearchStrategies.Run(new DdpgStrategy(), run, new Random(options.Seed));
        Assert.Equal(20, run.Evaluations);
        Assert.Equal("evaluation budget (20)", run.StopReason);
        Assert.Equal(20, run.Records.Select(r => string.Join(",", r.Genome.Select(v => Math.Round(v * 4)))).Distinct().Count());
        Assert.True(run.Records[^1].Generation > 19, "episodes that repeated a model were not counted against the budget");
    }

    [Fact]
    public void ClippedToThetaNoActionGoesPastALayersOwnLimit()
    {
        var options = new SearchOptions { Budget = 80, Seed = 2, Ddpg = new DdpgOptions { Warmup = 10, Hidden = 16, Clip = DdpgClip.Theta } };
        var run = Search(options);
        var space = run.Space;
        // The threshold search comes first; every later genome keeps each gene within its theta.
        var theta = run.Records.Where(r => r.Generation == -1).ToList();
        Assert.NotEmpty(theta);
        var limits = ThresholdVector.Compute(space, g => SyntheticSearch.Evaluate(g, default).ValAccuracy >= 94);
        foreach (var record in run.Records.Where(r => r.Generation >= 0))
            for (int i = 0; i < limits.Length; i++) Assert.True(record.Genome[i] <= limits[i] + 1e-9, $"gene {i}: {record.Genome[i]} > theta {limits[i]}");
    }

    // Journal lines without the time each evaluation took.
    private static string[] Lines(string path) =>
        File.ReadAllLines(path).Select(l => System.Text.RegularExpressions.Regex.Replace(l, "\"seconds\":[^,}]*", "")).ToArray();
}
