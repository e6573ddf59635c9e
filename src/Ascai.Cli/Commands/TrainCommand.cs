using System.CommandLine;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Models;
using Ascai.Serialization;
using Ascai.Training;
using Spectre.Console;

namespace Ascai.Cli.Commands;

/// <summary><c>ascai train</c>: trains a zoo architecture and saves it with its validation and test accuracy.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = $"architecture: {string.Join(", ", ModelZoo.Names)}", Required = true };
        var output = new Option<string>("--out") { Description = "model file to write", Required = true };
        var epochs = new Option<int>("--epochs") { Description = "training epochs", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch-size") { Description = "images per step", DefaultValueFactory = _ => 128 };
        var lr = new Option<double>("--lr") { Description = "peak learning rate (cosine schedule)", DefaultValueFactory = _ => 0.05 };
        var noAugment = new Option<bool>("--no-augment") { Description = "train without random shifts and flips" };
        var dataset = CommonOptions.Dataset();
        var dataDir = CommonOptions.DataDir();
        var valSize = CommonOptions.ValidationSize();
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads();
        var command = new Command("train", "train a zoo model from scratch (SGD, momentum, cosine schedule)")
        {
            model, dataset, dataDir, epochs, batch, lr, noAugment, output, valSize, seed, threads,
        };
        command.SetAction((parse, cancel) =>
        {
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            var options = new TrainOptions
            {
                Epochs = parse.GetValue(epochs), BatchSize = parse.GetValue(batch), LearningRate = parse.GetValue(lr),
                Augment = !parse.GetValue(noAugment), Seed = parse.GetValue(seed),
            };
            options.Validate();
            string architecture = parse.GetValue(model)!, outPath = parse.GetValue(output)!;
            var data = DatasetCatalog.Load(parse.GetValue(dataset)!, parse.GetValue(dataDir), parse.GetValue(valSize), options.Seed);
            using var graph = ModelZoo.Create(architecture, data.InputShape, data.Train.NumClasses, options.Seed);
            AnsiConsole.MarkupLine($"training [bold]{architecture}[/] on {data.Name}: {data.TrainIndices.Length} train / {data.ValidationIndices.Length} val / {data.Test.Count} test images, {options.Epochs} epochs");

            var results = ProgressDisplay.Train(graph, data, options, cancel);
            var test = Evaluator.Evaluate(graph, data.Test, data.TestIndices, data.Normalization, cancel: cancel);
            var last = results[^1];
            var record = new TrainingRecord
            {
                Dataset = data.Name, Epochs = options.Epochs, Seconds = results.Sum(r => r.Seconds), Seed = options.Seed,
                ValidationAccuracy = last.ValidationAccuracy, ValidationSize = data.ValidationIndices.Length, TestAccuracy = test.Accuracy,
                Command = "ascai " + string.Join(" ", Environment.GetCommandLineArgs().Skip(1)),
                Settings = new()
                {
                    ["optimizer"] = $"SGD momentum {options.Momentum} nesterov {options.Nesterov} weight-decay {options.WeightDecay}",
                    ["schedule"] = $"cosine from {options.LearningRate}", ["batchSize"] = options.BatchSize.ToString(),
                    ["augment"] = options.Augment.ToString(), ["threads"] = TorchSharp.torch.get_num_threads().ToString(),
                },
            };
            var info = new ModelInfo
            {
                Architecture = architecture, NumClasses = data.Train.NumClasses, Normalization = data.Normalization,
                ClassNames = data.ClassNames, Training = [record],
            };
            ModelFile.Save(new Model(graph, info), outPath);
            AnsiConsole.MarkupLine($"validation {last.ValidationAccuracy:F2}%  test [bold]{test.Accuracy:F2}%[/]  in {record.Seconds / 60:F1} min -> {Markup.Escape(outPath)}");
            return Task.FromResult(0);
        });
        return command;
    }
}
