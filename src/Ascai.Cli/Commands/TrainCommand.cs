using System.CommandLine;
using Ascai.Cli.Parsing;
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
        model.AcceptOnlyFromAmong([.. ModelZoo.Names]);
        var output = CommonOptions.Output("model file to write");
        var options = TrainingOptions.Create(epochs: 10, learningRate: 0.05);
        var noAugment = new Option<bool>("--no-augment") { Description = "train without random shifts and flips" };
        var data = DataFlags.Create();
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads();
        var command = new Command("train", "train a zoo model from scratch (SGD, momentum, cosine schedule)")
        {
            model, options.Epochs, options.BatchSize, options.LearningRate, noAugment, output, seed, threads,
        };
        foreach (var option in data.All) command.Add(option);
        command.SetAction((parse, cancel) =>
        {
            var train = options.Read(parse, parse.GetValue(seed)) with { Augment = !parse.GetValue(noAugment) };
            string architecture = parse.GetValue(model)!, outPath = parse.GetValue(output)!;
            OutputPath.CheckFile(outPath, "path");
            var dataOptions = data.Read(parse);
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            var splits = DatasetCatalog.Load(dataOptions, null, train.Seed);
            using var graph = ModelZoo.Create(architecture, splits.InputShape, splits.Train.NumClasses, train.Seed);
            AnsiConsole.MarkupLine($"training [bold]{architecture}[/] on {splits.Name}: {splits.TrainIndices.Length} train / {splits.ValidationIndices.Length} val ({Markup.Escape(splits.Split)}) / {splits.Test.Count} test images, {train.Epochs} epochs");

            var results = ProgressDisplay.Train(graph, splits, train, cancel);
            double? test = Evaluator.TestAccuracy(graph, splits, splits.Normalization, "the trained model", cancel);
            var record = Trainer.Record("train", splits, train, results, test, CommandLine());
            var info = new ModelInfo
            {
                Architecture = architecture, NumClasses = splits.Train.NumClasses, Normalization = splits.Normalization,
                ClassNames = splits.ClassNames, Training = [record],
            };
            ModelFile.Save(new Model(graph, info), outPath);
            AnsiConsole.MarkupLine($"validation {record.ValidationAccuracy:F2}%  test [bold]{(test is { } t ? $"{t:F2}%" : "- (no test images)")}[/]  in {record.Seconds / 60:F1} min -> {Markup.Escape(outPath)}");
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>The command line as typed, for the model's training record.</summary>
    public static string CommandLine() => "ascai " + string.Join(" ", Environment.GetCommandLineArgs().Skip(1));
}

/// <summary>The flags of <see cref="TrainOptions"/> that train and finetune share, with each command's defaults.</summary>
internal sealed record TrainingOptions(Option<int> Epochs, Option<int> BatchSize, Option<double> LearningRate)
{
    public static TrainingOptions Create(int epochs, double learningRate) => new(
        new Option<int>("--epochs") { Description = "training epochs", DefaultValueFactory = _ => epochs }
            .Gives(SettingException.Of<TrainOptions>(nameof(TrainOptions.Epochs))),
        new Option<int>("--batch-size") { Description = "images per step", DefaultValueFactory = _ => new TrainOptions().BatchSize }
            .Gives(SettingException.Of<TrainOptions>(nameof(TrainOptions.BatchSize))),
        new Option<double>("--lr") { Description = "peak learning rate (cosine schedule)", DefaultValueFactory = _ => learningRate }
            .Gives(SettingException.Of<TrainOptions>(nameof(TrainOptions.LearningRate))));

    /// <summary>The options given, checked.</summary>
    public TrainOptions Read(ParseResult parse, int seed)
    {
        var options = new TrainOptions { Epochs = parse.GetValue(Epochs), BatchSize = parse.GetValue(BatchSize), LearningRate = parse.GetValue(LearningRate), Seed = seed };
        options.Validate();
        return options;
    }
}
