using Ascai.Compression;
using Ascai.Graph;

namespace Ascai.Tests.Compression;

public class CompressionErrorTests
{
    [Theory]
    [InlineData("nope", "ps", 0.5, null, "unknown layer 'nope'")]
    [InlineData("conv1", "ps", 1.0, null, "outside [0, 1)")]
    [InlineData("conv1", "pn", -0.1, null, "outside [0, 1)")]
    [InlineData("fc1", "svd", null, 0, "outside 1..")]
    [InlineData("conv1", "svd", null, 3, "does not apply")]
    [InlineData("fc2", "tucker2", null, null, "does not apply")]
    [InlineData("conv1", "prune", 0.5, null, "unknown compression method")]
    [InlineData("fc1", "svd", null, 250, "does not reduce its cost")]
    public void BadSettingsGiveOneClearError(string layer, string method, double? ratio, int? rank, string message)
    {
        using var graph = ZooGraphs.Create("vgg-small", "1x28x28");
        var plan = new CompressionPlan { Layers = { [layer] = new LayerSetting { Method = method, Ratio = ratio, Rank = rank } } };
        var e = Assert.Throws<AscaiException>(() => Compressor.Apply(graph, plan, new CompressionContext { Importance = ImportanceCriterion.L1 }));
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void SettingsFileErrorsNameTheFile()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("s.json"), "{ not json");
        Assert.Contains("s.json", Assert.Throws<AscaiException>(() => CompressionPlan.Load(dir.File("s.json"))).Message);
        File.WriteAllText(dir.File("ok.json"), """{ "conv1": { "method": "ps", "ratio": 0.25 }, "fc1": { "method": "svd", "bin": 8 } }""");
        var plan = CompressionPlan.Load(dir.File("ok.json"));
        Assert.Equal(0.25, plan.Layers["conv1"].Ratio);
        Assert.Equal(8, plan.Layers["fc1"].Bin);
        // The form a plan is written in (a summary's settings) reads back as the same plan.
        var again = CompressionPlan.FromJson(plan.ToJson());
        Assert.Equal(plan.Layers.OrderBy(l => l.Key), again.Layers.OrderBy(l => l.Key));
        Assert.Contains("unknown key 'ratoi'", Assert.Throws<AscaiException>(() => CompressionPlan.FromJson("""{ "conv1": { "method": "ps", "ratoi": 0.25 } }""")).Message);
    }
}
