using System.CommandLine;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Serialization;

namespace Ascai.Cli.Commands;

/// <summary><c>ascai eval</c>: accuracy of a model file on the validation or test split.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "model file", Required = true };
        var split = new Option<string>("--split") { Description = "val or test", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("val", "test");
        var dataset = CommonOptions.Dataset();
        var dataDir = CommonOptions.DataDir();
        var valSize = CommonOptions.ValidationSize();
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads();
        var mean = CommonOptions.Mean();
        var std = CommonOptions.Std();
        var command = new Command("eval", "print a model's top-1 accuracy") { model, dataset, dataDir, split, valSize, seed, threads, mean, std };
        command.SetAction((parse, cancel) =>
        {
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            using var loaded = ModelFile.Load(parse.GetValue(model)!);
            var data = DatasetCatalog.Load(parse.GetValue(dataset)!, parse.GetValue(dataDir), parse.GetValue(valSize), parse.GetValue(seed));
            ModelFile.ResolveNormalization(loaded, parse.GetValue(model)!, data.Normalization, CommonOptions.Normalization(parse, mean, std));
            if (!loaded.Graph.InputShape.Equals(data.InputShape))
                throw new AscaiException($"the model takes {loaded.Graph.InputShape} inputs but {data.Name} images are {data.InputShape}");
            bool test = parse.GetValue(split) == "test";
            var result = test
                ? Evaluator.Evaluate(loaded.Graph, data.Test, data.TestIndices, loaded.Info.Normalization, cancel: cancel)
                : Evaluator.Evaluate(loaded.Graph, data.Train, data.ValidationIndices, loaded.Info.Normalization, cancel: cancel);
            Console.WriteLine($"{(test ? "test" : "val")} accuracy {result.Accuracy:F2}% ({result.Correct}/{result.Total}), mean loss {result.MeanLoss:F4}");
            return Task.FromResult(0);
        });
        return command;
    }
}
