// The library guide's example (docs/library.md): load a model and its data, compress it by hand, search, export.
// Usage: dotnet run --project examples/Ascai.Example -- [MODEL] [RUN_DIR]
using Ascai.Compression;
using Ascai.Cost;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Onnx;
using Ascai.Search;
using Ascai.Serialization;

string modelPath = args.Length > 0 ? args[0] : "models/vgg-small-fashion-mnist.ascai";
string runDir = args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), $"ascai-example-{Environment.ProcessId}");

// 1. A model (.ascai, or a PyTorch-exported .onnx) and its data: the held-out images are the ones its training record names.
using var model = ModelFile.Load(modelPath);
var data = ModelData.Load(model, new DataOptions { Dataset = "fashion-mnist" }, warn: Console.Error.WriteLine);
var accuracy = Evaluator.Evaluate(model.Graph, data.Validation, data.ValidationIndices, model.Info.Normalization).EnsureFinite("the model");
Console.WriteLine($"original: {accuracy.Accuracy:F2}% on {accuracy.Total} validation images, {CostModel.Profile(model.Graph).TotalMacs:N0} MACs");

// 2. An explicit setting: prune 30% of conv4's channels, linear fill, rounded to multiples of 8 (the search's defaults).
var plan = new CompressionPlan { Layers = { ["conv4"] = new LayerSetting { Method = "ps", Ratio = 0.3 } } };
var context = new EvaluationSpec().Context() with { Data = data, Normalization = model.Info.Normalization };
using (var masked = Compressor.Apply(model.Graph, plan, context))
using (var compact = Compactor.Compact(masked))
{
    var pruned = Evaluator.Evaluate(compact, data.Validation, data.ValidationIndices, model.Info.Normalization);
    Console.WriteLine($"conv4 at 30%: {pruned.Accuracy:F2}%, {CostModel.Profile(compact).TotalMacs:N0} MACs");
}

// Which channels a ps setting prunes together: the channel analysis of the graph.
var dependencies = Ascai.Graph.ChannelDependencies.Of(model.Graph);
foreach (var group in dependencies.Groups)   // one per set of channels removed together
    Console.WriteLine($"{group.Name}: {group.Channels} channels, made by {string.Join(", ", group.Layers)}, " +
        $"read by {string.Join(", ", group.Readers.Select(r => r.Node))}{(group.Residual ? ", tied by residual sums" : "")}");

// 3. The search: 1 point below the original at most, on a 90% bound of each candidate's drop (the defaults), with a small
//    budget; progress as it goes, and Ctrl+C stops it cleanly (a later SearchRunner.Resume(runDir) goes on from there).
//    By default half the held-out images are kept to confirm the result and the near misses are fine-tuned; this quick
//    example searches on all of them and fine-tunes nothing.
var config = new SearchConfig
{
    Model = modelPath, MaxDrop = 1, Confirmation = 0, FineTune = null,
    Options = new SearchOptions { Population = 8, Generations = 3, Budget = 60 },
};
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var summary = SearchRunner.Start(config, runDir, new Progress<SearchProgress>(p => Console.Error.Write($"\r{p.Evaluations} evaluations ")), cancel.Token);
Console.Error.WriteLine();
if (summary.Front.Count > 0)
    Console.WriteLine($"front: {summary.Front.Count} models, from {summary.Front.Min(m => m.MacsRatio):P1} to {summary.Front.Max(m => m.MacsRatio):P1} of the MACs");
if (summary.Best is not { } best)
{
    Console.WriteLine(summary.NoModel);
    return;
}
Console.WriteLine($"returned: {best.MacsRatio:P1} of the MACs at {best.ValAccuracy:F2}% validation, {best.TestAccuracy:F2}% test (original {summary.Baseline.TestAccuracy:F2}%)");

// 4. The best model's plan, applied to the original model with the search's own evaluation settings, gives the model
//    the search returned (the run folder's best-compact.ascai); exported as ONNX and checked against the library.
var bestPlan = best.Plan()!;
using var returned = Compactor.CompactOwned(Compressor.Apply(model.Graph, bestPlan, config.Evaluation.Context() with { Data = data, Normalization = model.Info.Normalization }));
Console.WriteLine($"plan: {string.Join(", ", bestPlan.Layers.Select(l => $"{l.Key} {l.Value.Method} {l.Value.Ratio?.ToString("F2") ?? l.Value.Rank?.ToString()}"))}");
Console.WriteLine($"applied: {CostModel.Profile(returned).TotalMacs:N0} MACs (the search's best: {best.Macs:N0})");
byte[] onnx = OnnxExporter.Export(returned);
Console.WriteLine($"ONNX: {onnx.Length:N0} bytes, largest difference from the library's outputs {OnnxExporter.Check(returned, onnx):E1}");
