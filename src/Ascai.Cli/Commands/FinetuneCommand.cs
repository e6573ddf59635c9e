using System.CommandLine;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Serialization;
using Ascai.Training;
using Spectre.Console;

namespace Ascai.Cli.Commands;

/// <summary>
/// <c>ascai finetune</c>: trains any model file for a few more epochs (the paper fine-tunes Ps / D / D+Ps results).
/// Channel masks stay fixed, so pruned channels stay pruned; Pn zeros are not kept (dense SGD regrows them).
/// </summary>
internal static class FinetuneCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "model file", Required = true };
        var output = new Option<string>("--out") { Description = "model file to write", Required = true };
        var epochs = new Option<int>("--epochs") { Description = "epochs", DefaultValueFactory = _ => 3 };
        var lr = new Option<double>("--lr") { Description = "peak learning rate (cosine schedule)", DefaultValueFactory = _ => 0.01 };
        var batch = new Option<int>("--batch-size") { Description = "images per step", DefaultValueFactory = _ => 128 };
        var dataset = CommonOptions.Dataset();
        var dataDir = CommonOptions.DataDir();
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads();
        var mean = CommonOptions.Mean();
        var std = CommonOptions.Std();
        var command = new Command("finetune", "train a model file for a few more epochs") { model, output, epochs, lr, batch, dataset, dataDir, seed, threads, mean, std };
        command.SetAction((parse, cancel) =>
        {
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            using var loaded = ModelFile.Load(parse.GetValue(model)!);
            var data = DatasetCatalog.Load(parse.GetValue(dataset)!, parse.GetValue(dataDir), seed: parse.GetValue(seed));
            ModelFile.ResolveNormalization(loaded, parse.GetValue(model)!, data.Normalization, CommonOptions.Normalization(parse, mean, std));
            var options = new TrainOptions { Epochs = parse.GetValue(epochs), LearningRate = parse.GetValue(lr), BatchSize = parse.GetValue(batch), Seed = parse.GetValue(seed) };
            var before = Evaluator.Evaluate(loaded.Graph, data.Train, data.ValidationIndices, loaded.Info.Normalization, cancel: cancel);
            var results = ProgressDisplay.Train(loaded.Graph, data with { Normalization = loaded.Info.Normalization }, options, cancel);
            var test = Evaluator.Evaluate(loaded.Graph, data.Test, data.TestIndices, loaded.Info.Normalization, cancel: cancel);
            var record = new TrainingRecord
            {
                Dataset = data.Name, Epochs = options.Epochs, Seconds = results.Sum(r => r.Seconds), Seed = options.Seed,
                ValidationAccuracy = results[^1].ValidationAccuracy, TestAccuracy = test.Accuracy,
                Command = "ascai " + string.Join(" ", Environment.GetCommandLineArgs().Skip(1)),
                Settings = new() { ["kind"] = "finetune", ["schedule"] = $"cosine from {options.LearningRate}" },
            };
            loaded.Info = loaded.Info with { Training = [.. loaded.Info.Training, record] };
            ModelFile.Save(loaded, parse.GetValue(output)!);
            AnsiConsole.MarkupLine($"validation {before.Accuracy:F2}% -> {record.ValidationAccuracy:F2}%  test [bold]{test.Accuracy:F2}%[/] -> {Markup.Escape(parse.GetValue(output)!)}");
            return Task.FromResult(0);
        });
        return command;
    }
}
