using System.CommandLine;
using System.Diagnostics;
using Ascai.Cost;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Search;
using Ascai.Serialization;
using Ascai.Cli.Parsing;
using Spectre.Console;

namespace Ascai.Cli.Commands;

/// <summary>
/// <c>ascai demo</c>: the README's main job on the committed default Fashion-MNIST model: check the model end to
/// end (validation and test accuracy, cost, inference speed), then an ASCAI channel-pruning search with a budget
/// that finishes in a few minutes here, then its summary and its report (<c>RUN_DIR/report/report.html</c>).
/// </summary>
internal static class DemoCommand
{
    public const string DefaultModelName = "vgg-small-fashion-mnist.ascai";

    public static string DefaultModelPath => Path.Combine(AppContext.BaseDirectory, "models", DefaultModelName);

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "model file (default: the committed models/vgg-small-fashion-mnist.ascai)", DefaultValueFactory = _ => DefaultModelPath };
        var budget = new Option<int>("--budget") { Description = "evaluations of the demo search", DefaultValueFactory = _ => 300 }
            .Gives(SettingException.Of<SearchOptions>(nameof(SearchOptions.Budget)));
        var output = new Option<string?>("--out") { Description = "run folder (default runs/demo-<time>)" };
        var dataDir = CommonOptions.DataDir();
        var threads = CommonOptions.Threads();
        var command = new Command("demo", "check the default Fashion-MNIST model, then search how to prune it") { model, budget, output, dataDir, threads };
        command.SetAction((parse, cancel) =>
        {
            string runDir = parse.GetValue(output) ?? Path.Combine("runs", $"demo-{DateTime.Now:yyyyMMdd-HHmmss}");
            string path = parse.GetValue(model)!;
            var config = new SearchConfig
            {
                Model = path, Data = new Ascai.Data.DataOptions { DataDir = parse.GetValue(dataDir) }, MaxDrop = 1,
                Options = new SearchOptions { Population = 20, Generations = 50, Budget = parse.GetValue(budget) },
            };
            if (config.Options.Budget < config.Options.Population)
                throw new AscaiException($"--budget must be at least {config.Options.Population} (the demo's population), got {config.Options.Budget}");
            SearchRunner.Validate(config, runDir);
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            using var loaded = ModelFile.Load(path);
            var data = DatasetCatalog.Load("fashion-mnist", parse.GetValue(dataDir));
            var profile = CostModel.Profile(loaded.Graph);
            var val = Evaluator.Evaluate(loaded.Graph, data.Validation, data.ValidationIndices, loaded.Info.Normalization, cancel: cancel);
            var clock = Stopwatch.StartNew();
            var test = Evaluator.Evaluate(loaded.Graph, data.Test, data.TestIndices, loaded.Info.Normalization, cancel: cancel);
            double seconds = clock.Elapsed.TotalSeconds;

            var table = new Table().Title($"{Markup.Escape(loaded.Info.Architecture)} ({Markup.Escape(Path.GetFileName(path))})").AddColumns("", "value");
            table.AddRow("validation accuracy", $"{val.Accuracy:F2}% ({val.Total} images held out of training)");
            table.AddRow("test accuracy", $"{test.Accuracy:F2}% ({test.Total} images)");
            table.AddRow("MACs / image", $"{profile.TotalMacs:N0}");
            table.AddRow("parameters", $"{profile.TotalParams:N0}");
            table.AddRow("inference", $"{test.Total / seconds:N0} images/s ({2.0 * profile.TotalMacs * test.Total / seconds / 1e9:F1} GFLOP/s)");
            foreach (var record in loaded.Info.Training)
                table.AddRow("trained by", Markup.Escape($"{record.Command} ({record.Epochs} epochs, {record.Seconds / 60:F1} min)"));
            AnsiConsole.Write(table);

            AnsiConsole.MarkupLine($"searching per-layer channel pruning (Ps) within 1 point of the validation accuracy, {config.Options.Budget} evaluations ...");
            var summary = SearchDisplay.Run(p => SearchRunner.Start(config, runDir, p, cancel, warn: CommonOptions.Warn, observers: [SearchDisplay.Plan]));
            int exit = SearchDisplay.Finish(summary, runDir);
            if (exit != 0 || cancel.IsCancellationRequested) return Task.FromResult(exit);
            string reportDir = Path.Combine(runDir, "report");
            Reporting.ReportBuilder.Write([Reporting.RunFolder.Load(runDir)], reportDir);
            AnsiConsole.MarkupLine($"report: [bold]{Markup.Escape(Path.Combine(reportDir, Reporting.ReportBuilder.HtmlFile))}[/] (and {Reporting.ReportBuilder.MarkdownFile} with its figures)");
            return Task.FromResult(0);
        });
        return command;
    }
}
