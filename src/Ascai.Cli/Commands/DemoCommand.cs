using System.CommandLine;
using System.Diagnostics;
using Ascai.Cost;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Serialization;
using Spectre.Console;

namespace Ascai.Cli.Commands;

/// <summary>
/// <c>ascai demo</c>: the README's main job on the committed default Fashion-MNIST model. For now it checks the
/// model end to end (validation and test accuracy, per-layer cost, inference speed); the ASCAI search joins it
/// when `ascai search` lands.
/// </summary>
internal static class DemoCommand
{
    public const string DefaultModelName = "vgg-small-fashion-mnist.ascai";

    public static string DefaultModelPath => Path.Combine(AppContext.BaseDirectory, "models", DefaultModelName);

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "model file", DefaultValueFactory = _ => DefaultModelPath };
        var dataDir = CommonOptions.DataDir();
        var threads = CommonOptions.Threads();
        var command = new Command("demo", "evaluate and profile the default Fashion-MNIST model") { model, dataDir, threads };
        command.SetAction((parse, cancel) =>
        {
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            string path = parse.GetValue(model)!;
            using var loaded = ModelFile.Load(path);
            var data = DatasetCatalog.Load("fashion-mnist", parse.GetValue(dataDir));
            var profile = CostModel.Profile(loaded.Graph);
            var val = Evaluator.Evaluate(loaded.Graph, data.Train, data.ValidationIndices, loaded.Info.Normalization, cancel: cancel);
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
            return Task.FromResult(0);
        });
        return command;
    }
}
