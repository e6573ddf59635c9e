using Ascai.Graph;
using Ascai.Data;
using System.Text.Json;
using Ascai.Search;
using Ascai.Serialization;

namespace Ascai.Tests.Search;

/// <summary>A real search on the committed small VGG, with a tiny budget: the run folder and its contract.</summary>
public class SearchRunnerTests
{
    private static SearchConfig Config(string strategy = "ascai") => new()
    {
        Model = Repository.Model("vgg-small-fashion-mnist.ascai"), MaxDrop = 1, Confirmation = 0, Confidence = null, FineTune = null, Data = new Ascai.Data.DataOptions { ValidationSize = 300 }, Strategy = strategy, // the first 300 of the same held-out shuffle
        Evaluation = new Ascai.Evaluation.EvaluationSpec { Include = ["conv5", "conv6", "fc1"] }, Options = new SearchOptions { Population = 4, Generations = 2, Budget = 60, Seed = 1 },
    };

    [Fact]
    public void RunFolderHoldsConfigJournalThetaSummaryAndBestModels()
    {
        using var dir = new TempDirectory();
        string runDir = Path.Combine(dir.Path, "run");
        long outside = TorchSharp.DisposeScopeManager.Statistics.CreatedOutsideScopeCount;
        var summary = SearchRunner.Start(Config(), runDir);
        // A whole search (evaluations, summary, best models) leaves no tensor to the GC's finaliser (TensorLifetimeTests).
        Assert.Equal(outside, TorchSharp.DisposeScopeManager.Statistics.CreatedOutsideScopeCount);
        foreach (string file in new[] { RunStore.ConfigFile, RunStore.JournalFile, RunStore.ThetaFile, RunStore.SummaryFile, RunStore.BestFile, RunStore.BestCompactFile, RunStore.BestOnnxFile })
            Assert.True(File.Exists(Path.Combine(runDir, file)), $"{file} missing");
        Assert.Equal(3, summary.Genes);
        Assert.Equal(Journal.Read(Path.Combine(runDir, RunStore.JournalFile)).Count, summary.Evaluations);
        Assert.NotNull(summary.Best);
        Assert.True(summary.Best!.ValAccuracy >= summary.AccThreshold);
        // The run returns the cheapest candidate above the floor: the front's first row, and no row dominates it.
        var returnedRow = Assert.Single(summary.Front, f => f.Returned);
        Assert.Equal(summary.Front.Min(f => f.Macs), returnedRow.Macs);
        Assert.Equal(summary.Best.Macs, returnedRow.Macs);
        Assert.DoesNotContain(Journal.Read(Path.Combine(runDir, RunStore.JournalFile)), r => r.Feasible && r.Macs < summary.Best.Macs);
        Assert.InRange(summary.AccThreshold, summary.Baseline.ValAccuracy - 1.0001, summary.Baseline.ValAccuracy - 0.9999);
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, RunStore.SummaryFile)));
        var root = document.RootElement;
        foreach (var path in new[] { "baseline.valAccuracy", "baseline.testAccuracy", "baseline.macs", "best.genome", "best.valAccuracy", "best.testAccuracy",
                     "best.macs", "best.macsRatio", "best.params", "evaluations", "wallSeconds", "strategy", "methods", "seed" })
        {
            var element = root;
            foreach (string part in path.Split('.')) Assert.True(element.TryGetProperty(part, out element), $"summary.json lacks {path}");
        }
        using var best = ModelFile.Load(Path.Combine(runDir, RunStore.BestCompactFile));
        Assert.Equal(summary.Best.Macs, Ascai.Cost.CostModel.Profile(best.Graph).TotalMacs);

        // The ONNX copy of the best model, run by ONNX Runtime, scores what the summary says.
        var data = Ascai.Data.DatasetCatalog.Load("fashion-mnist", null, 300);
        using (var session = new Ascai.Onnx.OnnxRuntimeSession(File.ReadAllBytes(Path.Combine(runDir, RunStore.BestOnnxFile))))
        using (var scope = TorchSharp.torch.NewDisposeScope())
        {
            var (images, labels) = new Ascai.Data.BatchLoader(data.Train, best.Info.Normalization).Make(data.ValidationIndices);
            double onnxAccuracy = 100.0 * session.Run(images).argmax(1).eq(labels).sum().item<long>() / labels.shape[0];
            Assert.Equal(summary.Best.ValAccuracy, onnxAccuracy, 6);
        }

        // The report describes the model the run returned: its layer table adds up to the summary's MACs.
        var report = Ascai.Reporting.ReportBuilder.Build([Ascai.Reporting.RunFolder.Load(runDir)], new Ascai.Reporting.ReportOptions { MeasureLatency = false });
        var layers = report.Blocks.OfType<Ascai.Reporting.Table>().Single(t => t.Header[0] == "layer");
        int after = Array.IndexOf(layers.Header, "MACs after");
        Assert.Equal(summary.Best.Macs, layers.Rows.Sum(r => long.Parse(r[after], System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture)));
        ReportLatencyIsBenchs(runDir, summary);

        // Each generation's population is logged by journal index, once.
        string log = Path.Combine(runDir, RunStore.PopulationsFile);
        var generations = PopulationLog.Read(log);
        Assert.Equal("generations (2)", summary.StopReason);
        Assert.Equal([0, 1], generations.Select(g => g.Generation));
        Assert.All(generations, g => Assert.Equal(4, g.Members.Length));
        string logged = File.ReadAllText(log);

        // Resuming a finished run evaluates nothing new, finds the same best, and does not log generations again.
        var again = SearchRunner.Resume(runDir);
        Assert.Equal(logged, File.ReadAllText(log));
        Assert.Equal(summary.Evaluations, again.Evaluations);
        Assert.Equal(summary.Best.Genome, again.Best!.Genome);
        Assert.Contains("already holds a run", Assert.Throws<SettingException>(() => SearchRunner.Start(Config(), runDir)).Message);
    }

    // The report times the file to deploy beside the original as `ascai bench` does: their speed-ups agree within the
    // noise of a shared machine running other tests (a factor of 3, where timing another file than the deployed one
    // put them a factor of 5.5 apart).
    private static void ReportLatencyIsBenchs(string runDir, SearchSummary summary)
    {
        const int batch = 16;
        var report = Ascai.Reporting.ReportBuilder.Build([Ascai.Reporting.RunFolder.Load(runDir)], new Ascai.Reporting.ReportOptions { LatencyBatch = batch, LatencyRounds = 9 });
        var table = report.Blocks.OfType<Ascai.Reporting.Table>().Single(t => t.Header is [_, "original", "returned"]);
        var row = table.Rows.Single(r => r[0] == $"latency, batch {batch} (ONNX Runtime, {RunStore.BestOnnxFile})");
        double reported = SpeedUp(row[2]);
        string model = Config().Model, deployed = Path.Combine(runDir, RunStore.BestOnnxFile);
        var bench = Ascai.Tests.Cli.Cli.Run(runDir, ["bench", "--model", model, deployed, "--batch", $"{batch}", "--repeats", "9", "--threads", "2"]);
        Assert.True(bench.ExitCode == 0, bench.Stderr);
        var line = bench.Stdout.Split('\n').Single(l => l.Contains(RunStore.BestOnnxFile) && l.Contains("ONNX Runtime"));
        double benched = double.Parse(System.Text.RegularExpressions.Regex.Match(line, @"/ ([\d.]+)x").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(reported / benched, 1 / 3.0, 3.0);
        Assert.NotNull(summary.Best);
    }

    // "1.23 ms (1.40x faster)" or "(1.40x slower)" as a speed-up.
    private static double SpeedUp(string cell)
    {
        var m = System.Text.RegularExpressions.Regex.Match(cell, @"\(([\d.]+)x (faster|slower)\)");
        double x = double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        return m.Groups[2].Value == "faster" ? x : 1 / x;
    }

    [Fact]
    public void UnderACostTargetTheRunReturnsTheMostAccurateCandidateWithinIt()
    {
        using var dir = new TempDirectory();
        var config = Config() with { MaxDrop = null, TargetCost = 0.6, Evaluation = new Ascai.Evaluation.EvaluationSpec(), Options = new SearchOptions { Population = 6, Generations = 3, Budget = 30, Seed = 2 } };
        var summary = SearchRunner.Start(config, dir.File("run"));
        Assert.Equal(0.6, summary.TargetCost);
        var journal = Journal.Read(Path.Combine(dir.File("run"), RunStore.JournalFile));
        // Feasible means within the cost, whatever the accuracy.
        Assert.All(journal.Where(r => r.Failure is null), r => Assert.Equal(r.Macs <= 0.6 * summary.Baseline.Macs + 1e-6, r.Feasible));
        var within = journal.Where(r => r.Feasible).ToList();
        Assert.NotEmpty(within);
        Assert.NotNull(summary.Best);
        Assert.True(summary.Best!.MacsRatio <= 0.6 + 1e-9);
        Assert.Equal(within.Max(r => r.ValAccuracy), summary.Best.ValAccuracy, 9);
        Assert.Equal("SearchConfig.TargetCost", Assert.Throws<SettingException>(() => new SearchConfig { Model = "m", TargetCost = 0.5, MaxDrop = 1 }.Validate()).Setting);
        Assert.Equal("SearchConfig.TargetCost", Assert.Throws<SettingException>(() => new SearchConfig { Model = "m", TargetCost = 1.5 }.Validate()).Setting);
    }

    [Fact]
    public void FloorAboveTheModelIsRefused()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<AscaiException>(() => SearchRunner.Start(Config() with { MaxDrop = null, AccThreshold = 99.9 }, Path.Combine(dir.Path, "r")));
        Assert.Contains("above the model's own validation accuracy", e.Message);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "r")), "a refused run leaves no folder");
    }

    [Fact]
    public void AValidationSetLargerThanTheTrainingHeldOutIsRefused()
    {
        // The committed model was trained with the default 1,000 images held out (its record predates the field).
        using var dir = new TempDirectory();
        var e = Assert.Throws<SettingException>(() => SearchRunner.Start(Config() with { Data = new Ascai.Data.DataOptions { ValidationSize = 5000 } }, Path.Combine(dir.Path, "r")));
        Assert.Contains("names 4000 of 5000 validation images (5000 training images drawn with seed 0) that the model was trained on: its training held out only 1000 images", e.Message);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "r")), "a refused run leaves no folder");
        Assert.Equal(5000, new TrainingRecord { Command = "ascai train --model vgg-small --val-size 5000" }.HeldOutCount());
        Assert.Equal(2000, new TrainingRecord { ValidationSize = 2000, Command = "ascai train --val-size 5000" }.HeldOutCount());
    }

    [Fact]
    public void WithConfirmationImagesTheRunReturnsTheCheapestCandidateThatMeetsTheFloorOnThem()
    {
        using var dir = new TempDirectory();
        var summary = SearchRunner.Start(Config() with { Data = new Ascai.Data.DataOptions { ValidationSize = 600 }, Confirmation = 0.5, Confidence = 0.9 }, dir.File("run"));
        Assert.Equal((300, 300), (summary.ValidationImages, summary.ConfirmationImages));
        Assert.NotNull(summary.Baseline.ConfirmationAccuracy);
        Assert.Equal(summary.Baseline.ConfirmationAccuracy!.Value - 1, summary.ConfirmationThreshold!.Value, 9);
        Assert.NotEmpty(summary.Front);
        // The walk from the costliest down: a run of passes, then at most one miss, then candidates it did not reach.
        var verdicts = Enumerable.Reverse(summary.Front).Select(f => f.Confirmed).ToList();
        int passes = verdicts.TakeWhile(v => v == true).Count();
        Assert.All(verdicts.Skip(passes).Take(1), v => Assert.False(v));
        Assert.All(verdicts.Skip(passes + 1), v => Assert.Null(v));
        // Candidates the search found feasible under the bound, every one re-scored on the images it never saw.
        var journal = Journal.Read(Path.Combine(dir.File("run"), RunStore.JournalFile));
        Assert.All(summary.Front, f => Assert.True(journal[f.Index].Feasible && journal[f.Index].Judged >= summary.AccThreshold - 1e-9));
        var returned = summary.Front.SingleOrDefault(f => f.Returned);
        if (summary.Best is null) Assert.DoesNotContain(summary.Front, f => f.Confirmed == true);
        else
        {
            Assert.NotNull(returned);
            Assert.True(returned!.Confirmed);
            Assert.True(returned.ConfirmationJudged >= summary.ConfirmationThreshold - 1e-9);
            // The cheapest the walk passed, and no candidate it passed is cheaper or as cheap and more accurate there.
            Assert.All(summary.Front.TakeWhile(f => !f.Returned), f => Assert.NotEqual(true, f.Confirmed));
            Assert.DoesNotContain(summary.Front, f => f.Confirmed == true && !f.Returned && f.Macs <= returned.Macs);
            Assert.Equal(returned.Macs, summary.Best.Macs);
        }
        Assert.NotNull(summary.Front[0].TestAccuracy);
        // The report shows the front's search, confirmation and test accuracy side by side.
        var report = Ascai.Reporting.ReportBuilder.Build([Ascai.Reporting.RunFolder.Load(dir.File("run"))], new Ascai.Reporting.ReportOptions { MeasureLatency = false });
        var front = report.Blocks.OfType<Ascai.Reporting.Table>().Single(t => t.Header[0] == "journal index");
        Assert.Equal(summary.Front.Count, front.Rows.Count);
        Assert.Equal(summary.Front.Select(f => f.Confirmed switch { true => "yes", false => "no: the walk stops", null => "not reached" }),
            front.Rows.Select(r => r[Array.IndexOf(front.Header, "confirmed")]));
    }

    [Theory]
    [InlineData(9.4, 10, true)]     // a model fed the wrong normalisation
    [InlineData(15.0, 10, true)]
    [InlineData(15.1, 10, false)]
    [InlineData(60.0, 2, true)]
    [InlineData(90.0, 10, false)]
    public void AModelAtChanceOnItsOwnImagesIsWarnedAbout(double accuracy, int classes, bool warned)
    {
        string? warning = SearchRunner.ChanceWarning(accuracy, classes, 1000);
        Assert.Equal(warned, warning is not null);
        if (warned) Assert.Contains("{Normalization}", warning);
    }
}
