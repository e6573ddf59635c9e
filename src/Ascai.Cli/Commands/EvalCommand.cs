using System.CommandLine;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Quantization;
using Ascai.Serialization;

namespace Ascai.Cli.Commands;

/// <summary><c>ascai eval</c>: accuracy of a model file on the validation or test split.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "model file", Required = true };
        var split = new Option<string>("--split") { Description = "val or test", DefaultValueFactory = _ => "test" };
        var engine = new Option<string>("--engine") { Description = "torchsharp, or onnxruntime (the model exported to ONNX and run by ONNX Runtime)", DefaultValueFactory = _ => "torchsharp" };
        engine.AcceptOnlyFromAmong("torchsharp", "onnxruntime");
        split.AcceptOnlyFromAmong("val", "test");
        var data = DataFlags.Create();
        var threads = CommonOptions.Threads();
        var mean = CommonOptions.Mean();
        var std = CommonOptions.Std();
        var command = new Command("eval", "print a model's top-1 accuracy") { model, split, engine, threads, mean, std };
        foreach (var option in data.All) command.Add(option);
        command.SetAction((parse, cancel) =>
        {
            var normalization = CommonOptions.Normalization(parse, mean, std);
            var dataOptions = data.Read(parse);
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            bool test = parse.GetValue(split) == "test";
            if (Int8Model.TryLoad(parse.GetValue(model)!) is { } int8)
                return Task.FromResult(EvaluateInt8(int8, parse.GetValue(model)!, test, CommonOptions.Given(parse, engine) && parse.GetValue(engine) != "onnxruntime", dataOptions, normalization, cancel));
            using var loaded = ModelFile.Load(parse.GetValue(model)!);
            // The validation split is held out of training: only then do warnings about it matter.
            var splits = ModelData.Load(loaded, dataOptions, normalization, test ? null : CommonOptions.Warn);
            CheckTest(splits, test);
            using var session = parse.GetValue(engine) == "onnxruntime" ? new Ascai.Onnx.OnnxRuntimeSession(Ascai.Onnx.OnnxExporter.Export(loaded.Graph)) : null;
            Func<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> forward = session is null ? x => loaded.Graph.Forward(x) : session.Run;
            var result = test
                ? Evaluator.Evaluate(forward, splits.Test, splits.TestIndices, loaded.Info.Normalization, Evaluator.BatchSize(loaded.Graph), cancel)
                : Evaluator.Evaluate(forward, splits.Validation, splits.ValidationIndices, loaded.Info.Normalization, Evaluator.BatchSize(loaded.Graph), cancel);
            result.EnsureFinite("the model");
            Console.WriteLine($"{(session is null ? "" : "ONNX Runtime: ")}{(test ? "test" : "val")} accuracy {result.Accuracy:F2}% ({result.Correct}/{result.Total}), mean loss {result.MeanLoss:F4}");
            return Task.FromResult(0);
        });
        return command;
    }

    private static void CheckTest(DatasetSplits splits, bool test)
    {
        if (test && splits.TestIndices.Length == 0) throw new AscaiException($"{splits.Test.Name}: the data has no test images (evaluate the held-out ones with --split val)");
    }

    // An int8 file is a QDQ graph that only ONNX Runtime runs: its accuracy is what that runtime computes.
    private static int EvaluateInt8(Int8Model int8, string path, bool test, bool torchSharpAsked, DataOptions dataOptions, Ascai.Graph.Normalization? normalization, CancellationToken cancel)
    {
        if (torchSharpAsked) throw new AscaiException($"{path}: an int8 model runs in ONNX Runtime only (--engine onnxruntime)");
        var info = normalization is null ? int8.Info : int8.Info with { Normalization = normalization };
        var splits = DatasetCatalog.Load(dataOptions, int8.InputShape, int8.Info.Training.FirstOrDefault()?.Seed ?? 0);
        CheckTest(splits, test);
        using var session = int8.Session();
        var (images, indices) = test ? (splits.Test, splits.TestIndices) : (splits.Validation, splits.ValidationIndices);
        var result = Evaluator.Evaluate(session.Run, images, indices, info.Normalization, cancel: cancel).EnsureFinite("the int8 model");
        Console.WriteLine($"ONNX Runtime int8: {(test ? "test" : "val")} accuracy {result.Accuracy:F2}% ({result.Correct}/{result.Total}), mean loss {result.MeanLoss:F4}");
        return 0;
    }
}
