using System.CommandLine;
using Ascai.Data;
using Ascai.Evaluation;
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
        var output = CommonOptions.Output("model file to write");
        var options = TrainingOptions.Create(epochs: 3, learningRate: 0.01);
        var data = DataFlags.Create();
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads();
        var mean = CommonOptions.Mean();
        var std = CommonOptions.Std();
        var command = new Command("finetune", "train a model file for a few more epochs")
        {
            model, output, options.Epochs, options.LearningRate, options.BatchSize, seed, threads, mean, std,
        };
        foreach (var option in data.All) command.Add(option);
        command.SetAction((parse, cancel) =>
        {
            // A model exported with its batch-norms folded trains with them put back (and folded again at the end).
            var train = options.Read(parse, parse.GetValue(seed)) with { UnfoldBatchNorms = true };
            string outPath = parse.GetValue(output)!, modelPath = parse.GetValue(model)!;
            OutputPath.CheckFile(outPath, "path");
            var normalization = CommonOptions.Normalization(parse, mean, std);
            var dataOptions = data.Read(parse);
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            using var loaded = ModelFile.Load(modelPath);
            // --seed seeds the shuffling of the training images only: the held-out draw stays the model's own.
            var splits = ModelData.Load(loaded, ModelData.KeepingHeldOut(loaded, dataOptions), normalization, CommonOptions.Warn);
            var before = Evaluator.Evaluate(loaded.Graph, splits.Validation, splits.ValidationIndices, loaded.Info.Normalization, cancel: cancel).EnsureFinite("the model");
            var results = ProgressDisplay.Train(loaded.Graph, splits with { Normalization = loaded.Info.Normalization }, train, cancel);
            double? test = Evaluator.TestAccuracy(loaded.Graph, splits, loaded.Info.Normalization, "the fine-tuned model", cancel);
            var record = Trainer.Record("finetune", splits, train, results, test, TrainCommand.CommandLine());
            loaded.Info = loaded.Info with { Training = [.. loaded.Info.Training, record] };
            ModelFile.Save(loaded, outPath);
            AnsiConsole.MarkupLine($"validation {before.Accuracy:F2}% -> {record.ValidationAccuracy:F2}%  test [bold]{(test is { } t ? $"{t:F2}%" : "- (no test images)")}[/] -> {Markup.Escape(outPath)}");
            return Task.FromResult(0);
        });
        return command;
    }
}
