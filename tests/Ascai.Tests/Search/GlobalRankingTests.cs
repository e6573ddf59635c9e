using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Search;
using Ascai.Search.Strategies;
using Ascai.Serialization;

namespace Ascai.Tests.Search;

/// <summary>
/// The global ranking baseline against its definition: one threshold over the channels' importance, each divided by
/// its group's mean; every group loses exactly its channels at or below it; a higher threshold prunes more everywhere.
/// </summary>
public class GlobalRankingTests
{
    private static SearchConfig Config() => new()
    {
        Model = Repository.Model("vgg-small-fashion-mnist.ascai"), MaxDrop = 1, Confirmation = 0, Confidence = null, FineTune = null,
        Data = new DataOptions { ValidationSize = 300 }, Strategy = "global",
        Evaluation = new EvaluationSpec { Include = ["conv4", "conv5", "conv6", "fc1"], ChannelMultiple = 1 }, Options = new SearchOptions { Budget = 8, Seed = 1 },
    };

    [Fact]
    public void OneThresholdPrunesInEachGroupTheChannelsBelowIt()
    {
        var config = Config();
        using var model = ModelFile.Load(config.Model);
        var data = ModelData.Load(model, config.Data);
        var space = config.Evaluation.Space(model.Graph);
        using var evaluator = config.Evaluation.Evaluator(model, data, space);
        var scores = evaluator.ChannelImportance();
        var normalised = space.Genes.Select(g => scores[g.Layer].Select(v => (float)(v / scores[g.Layer].Average(x => (double)x))).ToArray()).ToList();
        foreach (double threshold in new[] { 0.3, 0.8, 1.0, 1.5 })
        {
            var plan = space.Decode(GlobalRankingStrategy.At(space, normalised, threshold));
            for (int i = 0; i < space.Genes.Count; i++)
            {
                var gene = space.Genes[i];
                int channels = normalised[i].Length, below = normalised[i].Count(s => s <= threshold);
                int pruned = (int)Math.Floor((plan.Layers.TryGetValue(gene.Layer, out var setting) ? setting.Ratio ?? 0 : 0) * channels);
                Assert.Equal(Math.Min(below, (int)Math.Floor(gene.Max * channels)), pruned);
            }
        }
    }

    [Fact]
    public void TheSweepStartsFromTheOriginalAndPrunesMoreAtEveryStep()
    {
        using var dir = new TempDirectory();
        var summary = SearchRunner.Start(Config(), dir.File("run"));
        Assert.Equal("global", summary.Strategy);
        var journal = Journal.Read(Path.Combine(dir.File("run"), RunStore.JournalFile));
        Assert.All(journal[0].Genome, r => Assert.Equal(0, r));
        for (int k = 1; k < journal.Count; k++)
            for (int g = 0; g < journal[k].Genome.Length; g++)
                Assert.True(journal[k].Genome[g] >= journal[k - 1].Genome[g], $"step {k}, gene {g}");
        Assert.True(journal[^1].Macs < journal[0].Macs);
    }

    [Fact]
    public void OnlyChannelPruningIsRankedGlobally() =>
        Assert.Contains("global ranks channels", Assert.Throws<SettingException>(() => (Config() with { Evaluation = new EvaluationSpec { Methods = "d" } }).Validate()).Message);
}
