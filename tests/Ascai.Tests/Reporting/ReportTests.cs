using System.Text.Json;
using System.Text.RegularExpressions;
using Ascai.Compression;
using Ascai.Graph;
using Ascai.Models;
using Ascai.Reporting;
using Ascai.Search;
using Ascai.Serialization;

namespace Ascai.Tests.Reporting;

/// <summary>Reports and figures from a small synthetic run folder (a random LeNet-5, made-up evaluations).</summary>
public class ReportTests
{
    /// <summary>Writes a run folder of <paramref name="generations"/> x <paramref name="population"/> made-up evaluations.</summary>
    private static string SyntheticRun(TempDirectory dir, string name, string strategy = "ascai", int generations = 3, int population = 6, bool fineTuned = false)
    {
        string modelPath = dir.File("lenet5.ascai");
        if (!File.Exists(modelPath))
        {
            using var graph = ModelZoo.Create("lenet5", Shape.Parse("1x28x28"), 10, seed: 1);
            ModelFile.Save(new Model(graph.Clone(), new ModelInfo { Architecture = "lenet5", Normalization = Normalization.FashionMnist }), modelPath);
        }
        using var model = ModelFile.Load(modelPath);
        var space = SearchSpace.Build(model.Graph, "ps");
        double baseMacs = Ascai.Cost.CostModel.Profile(model.Graph).TotalMacs;
        var random = new Random(4);
        var records = new List<EvaluationRecord>();
        var populations = new List<PopulationRecord>();
        for (int g = 0; g < generations; g++)
        {
            var members = new List<int>();
            for (int i = 0; i < population; i++)
            {
                var genome = space.Genes.Select(_ => random.NextDouble() * 0.6).ToArray();
                double kept = 1 - genome.Average();
                double accuracy = 90 - 30 * (1 - kept) + random.NextDouble();
                records.Add(new EvaluationRecord
                {
                    Index = records.Count, Generation = strategy == "ascai" ? g : records.Count, Genome = genome, ValAccuracy = accuracy,
                    Macs = (long)(baseMacs * kept * kept), Params = 1000, Score = kept, Feasible = accuracy >= 80, Seed = 0, Seconds = 0.01,
                });
                members.Add(records.Count - 1);
            }
            populations.Add(new PopulationRecord(g, [.. members]));
        }
        var best = records.Where(r => r.Feasible).MaxBy(r => r.Score)!;
        string run = Path.Combine(dir.Path, name);
        Directory.CreateDirectory(run);
        // The model the run returned, which the report describes.
        using (var masked = Ascai.Compression.Compressor.Apply(model.Graph, space.Decode(best.Genome), new Ascai.Compression.CompressionContext { Importance = Ascai.Compression.ImportanceCriterion.L1 }))
        using (var compact = Ascai.Compression.Compactor.Compact(masked))
            ModelFile.Save(new Model(compact, model.Info), Path.Combine(run, RunStore.BestCompactFile));
        var config = new SearchConfig { Model = modelPath, MaxDrop = 5, Strategy = strategy, Confirmation = 0, Confidence = null, FineTune = null };
        var summary = new SearchSummary
        {
            Baseline = new SummaryModel { ValAccuracy = 90, TestAccuracy = 89, Macs = (long)baseMacs, Params = 2000 },
            Best = new SummaryModel { ValAccuracy = best.ValAccuracy, TestAccuracy = 84, Macs = best.Macs, MacsRatio = best.Macs / baseMacs, Params = best.Params, Genome = best.Genome },
            AccThreshold = 80, Evaluations = records.Count, Strategy = strategy, Methods = "ps", Genes = space.Genes.Count, StopReason = "generations (3)",
        };
        if (fineTuned)
            summary = summary with
            {
                FineTuned = [new FineTunedModel { Index = 3, MacsRatio = 0.41, ValAccuracy = 78.5, JudgedOnAccuracy = 81.25, Passed = true, Seconds = 12 }],
                Probe = [new FineTunedModel { Index = 5, MacsRatio = 0.5, ValAccuracy = 82, JudgedOnAccuracy = 83.5 }, new FineTunedModel { Index = 7, MacsRatio = 0.52, ValAccuracy = 84, JudgedOnAccuracy = 83.25 }],
                ProbeTau = -1, ProbeCostTau = 1,
            };
        File.WriteAllText(Path.Combine(run, RunStore.ConfigFile), JsonSerializer.Serialize(config, Json.Options));
        File.WriteAllText(Path.Combine(run, RunStore.SummaryFile), JsonSerializer.Serialize(summary, Json.Options));
        File.WriteAllLines(Path.Combine(run, RunStore.JournalFile), records.Select(r => JsonSerializer.Serialize(r, Json.Options).ReplaceLineEndings(" ")));
        if (strategy == "ascai")
            File.WriteAllLines(Path.Combine(run, RunStore.PopulationsFile), populations.Select(p => JsonSerializer.Serialize(p, Json.Options).ReplaceLineEndings(" ")));
        return run;
    }

    private static void AssertPng(byte[] bytes)
    {
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        // IHDR: width and height, big-endian, at bytes 16-23.
        Assert.Equal(Figures.Width, (bytes[16] << 24) | (bytes[17] << 16) | (bytes[18] << 8) | bytes[19]);
        Assert.Equal(Figures.Height, (bytes[20] << 24) | (bytes[21] << 16) | (bytes[22] << 8) | bytes[23]);
    }

    [Fact]
    public void OneRunGetsEveryFigureAndBothReports()
    {
        using var dir = new TempDirectory();
        string run = SyntheticRun(dir, "ascai-run");
        string outDir = dir.File("report");
        var document = ReportBuilder.Write([RunFolder.Load(run)], outDir, new ReportOptions { LatencyBatch = 4 });

        var files = document.Figures.Select(f => f.File).ToList();
        Assert.Equal(["accuracy-vs-macs.png", "population-first.png", "population-last.png", "convergence.png", "layers.png", "best-vs-evaluations.png"], files);
        foreach (string file in files) AssertPng(File.ReadAllBytes(Path.Combine(outDir, file)));

        string markdown = File.ReadAllText(Path.Combine(outDir, ReportBuilder.MarkdownFile));
        foreach (string file in files) Assert.Contains($"]({file})", markdown);
        foreach (string layer in new[] { "conv1", "conv2", "fc1", "fc2", "fc3" }) Assert.Contains($"| {layer} |", markdown);
        Assert.Contains("latency, batch 1 (TorchSharp", markdown);
        Assert.Contains("latency, batch 4 (ONNX Runtime, best-compact.", markdown); // the file to deploy

        // Self-contained: every figure inline, nothing fetched from anywhere.
        string html = File.ReadAllText(Path.Combine(outDir, ReportBuilder.HtmlFile));
        Assert.Equal(files.Count, Regex.Matches(html, "src=\"data:image/png;base64,").Count);
        Assert.DoesNotMatch("(src|href)=\"(https?:)?//", html);
        foreach (var figure in document.Figures) Assert.Contains(Convert.ToBase64String(figure.Png), html);
    }

    [Fact]
    public void FineTunedAndProbedCandidatesAreTabled()
    {
        using var dir = new TempDirectory();
        string run = SyntheticRun(dir, "tuned-run", fineTuned: true);
        ReportBuilder.Write([RunFolder.Load(run)], dir.File("report"), new ReportOptions { LatencyBatch = 4 });
        string markdown = File.ReadAllText(Path.Combine(dir.File("report"), ReportBuilder.MarkdownFile));
        Assert.Contains("| 3 | 0.410 | 78.50 | 81.25 | yes | 12 |", markdown);
        Assert.Contains("Kendall's tau between their search accuracy and their fine-tuned accuracy: -1.00; between their cost alone and it: 1.00.", markdown);
        Assert.Contains("| 7 | 0.520 | 84.00 | 83.25 |", markdown);
        // A run without fine-tuning has neither section.
        string plain = SyntheticRun(dir, "plain-run");
        ReportBuilder.Write([RunFolder.Load(plain)], dir.File("plain-report"), new ReportOptions { LatencyBatch = 4 });
        Assert.DoesNotContain("Fine-tuned candidates", File.ReadAllText(Path.Combine(dir.File("plain-report"), ReportBuilder.MarkdownFile)));
    }

    [Fact]
    public void SeveralRunsSideBySideWithTheUniformCurve()
    {
        using var dir = new TempDirectory();
        var runs = new[] { SyntheticRun(dir, "ascai-run"), SyntheticRun(dir, "uniform-run", strategy: "uniform") }.Select(RunFolder.Load).ToList();
        var document = ReportBuilder.Build(runs, new ReportOptions { MeasureLatency = false });
        var table = document.Blocks.OfType<Table>().First();
        Assert.Equal(["ascai-run", "uniform-run"], table.Rows.Select(r => r[0]));
        Assert.Contains(document.Figures, f => f.File == "best-vs-evaluations.png");
        Assert.Contains(document.Figures, f => f.File == "run1-accuracy-vs-macs.png" && f.Caption.Contains("uniform curve from uniform-run"));
        Assert.DoesNotContain(document.Figures, f => f.File.StartsWith("run2-population")); // no generations in a uniform sweep
    }

    [Fact]
    public void PopulationHeatmapShowsTheShareKept()
    {
        var genes = new[] { new Gene("a", "ps", GeneKind.Ratio, 0, 0.95), new Gene("b", "svd", GeneKind.SvdBin, 1, 64, [1, 8, 32, 64]) };
        Assert.Equal(0.75, Figures.KeptShare(genes[0], 0.25), 12);
        Assert.Equal(0.5, Figures.KeptShare(genes[1], 32), 12);
        var members = new[] { new EvaluationRecord { Genome = [0.1, 8] }, new EvaluationRecord { Genome = [0.9, 64] } };
        AssertPng(Figures.PopulationHeatmap("t", genes, members));
    }

    [Theory]
    [InlineData("", "holds no evaluation")]
    [InlineData("{\"index\":0,\"genome\":[0.1]}\n{not json}\n", "corrupt journal line 2")]
    public void BadJournalIsOneClearError(string journal, string expected)
    {
        using var dir = new TempDirectory();
        string run = SyntheticRun(dir, "run");
        File.WriteAllText(Path.Combine(run, RunStore.JournalFile), journal);
        Assert.Contains(expected, Assert.Throws<AscaiException>(() => RunFolder.Load(run)).Message);
    }

    [Fact]
    public void UnfinishedOrMissingRunIsOneClearError()
    {
        using var dir = new TempDirectory();
        string run = SyntheticRun(dir, "run");
        File.Delete(Path.Combine(run, RunStore.SummaryFile));
        Assert.Contains("has not finished", Assert.Throws<AscaiException>(() => RunFolder.Load(run)).Message);
        Assert.Contains("no such run folder", Assert.Throws<AscaiException>(() => RunFolder.Load(dir.File("nowhere"))).Message);
    }

    [Fact]
    public void TheCheapestFeasibleSoFarIsARunningMinimumOverFeasibleCandidates()
    {
        EvaluationRecord Record(int index, long macs, bool feasible) => new() { Index = index, Genome = [index], Macs = macs, Feasible = feasible, ValAccuracy = 90 };
        var records = new[] { Record(0, 800, false), Record(1, 900, true), Record(2, 500, false), Record(3, 950, true), Record(4, 600, true) };
        var run = new RunFolder("run", new SearchConfig { Model = "m" }, new SearchSummary { Baseline = new SummaryModel { Macs = 1000 } }, records, null);
        Assert.Equal([double.NaN, 0.9, 0.9, 0.9, 0.6], run.CheapestFeasibleRatioByEvaluation());
    }
}
