using System.CommandLine;
using Ascai.Compression;
using Ascai.Cost;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Serialization;
using Ascai.Cli.Parsing;
using Spectre.Console;

namespace Ascai.Cli.Commands;

/// <summary><c>ascai compress</c>: applies an explicit per-layer setting and writes the compressed (or compact) model.</summary>
internal static class CompressCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "model file", Required = true };
        var settings = new Option<string>("--settings") { Description = "JSON file: {\"layer\": {\"method\": \"ps\", \"ratio\": 0.3}, \"fc1\": {\"method\": \"svd\", \"bin\": 16}, ...}", Required = true };
        var output = CommonOptions.Output("model file to write");
        var compact = new Option<bool>("--compact") { Description = "physically remove masked channels" };
        var importance = new Option<ImportanceCriterion>("--importance") { Description = "channel ranking for ps: taylor (needs the data set) or l1", DefaultValueFactory = _ => ImportanceCriterion.Taylor };
        var fill = CommonOptions.Fill();
        var multiple = CommonOptions.ChannelMultiple();
        var hooi = new Option<int>("--hooi") { Description = "HOOI refinement iterations for tucker2 (0 = HOSVD)", DefaultValueFactory = _ => 0 }
            .Gives(SettingException.Of<CompressionContext>(nameof(CompressionContext.HooiIterations)));
        var evaluate = new Option<bool>("--evaluate") { Description = "also print validation accuracy before and after" };
        var dataset = CommonOptions.Dataset();
        var dataDir = CommonOptions.DataDir();
        var valSize = CommonOptions.ValidationSize();
        var threads = CommonOptions.Threads();
        var mean = CommonOptions.Mean();
        var std = CommonOptions.Std();
        var command = new Command("compress", "apply an explicit per-layer compression setting")
        {
            model, settings, output, compact, importance, fill, multiple, hooi, evaluate, dataset, dataDir, valSize, threads, mean, std,
        };
        command.SetAction((parse, cancel) =>
        {
            string outPath = parse.GetValue(output)!;
            OutputPath.CheckFile(outPath, "path");
            if (parse.GetValue(hooi) is < 0 or > 1000) throw new AscaiException($"--hooi must be between 0 and 1000, got {parse.GetValue(hooi)}");
            var normalization = CommonOptions.Normalization(parse, mean, std);
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            var plan = CompressionPlan.Load(parse.GetValue(settings)!);
            using var loaded = ModelFile.Load(parse.GetValue(model)!);
            bool needsData = parse.GetValue(evaluate) || ((parse.GetValue(importance) == ImportanceCriterion.Taylor || parse.GetValue(fill) != PrunedChannelFill.Zero) && plan.Layers.Values.Any(s => s.Method == "ps"));
            var data = needsData ? DatasetCatalog.Load(parse.GetValue(dataset)!, parse.GetValue(dataDir), parse.GetValue(valSize)) : null;
            ModelFile.ResolveNormalization(loaded, parse.GetValue(model)!, data?.Normalization ?? loaded.Info.Normalization, normalization);
            data?.CheckFits(loaded);
            var context = new CompressionContext
            {
                Data = data, Normalization = loaded.Info.Normalization, Importance = parse.GetValue(importance), Fill = parse.GetValue(fill), ChannelMultiple = parse.GetValue(multiple), HooiIterations = parse.GetValue(hooi),
            };
            var compressed = Compressor.Apply(loaded.Graph, plan, context);
            if (parse.GetValue(compact)) compressed = Compactor.CompactOwned(compressed);
            var baseProfile = CostModel.Profile(loaded.Graph);
            var profile = CostModel.Profile(compressed);
            var origin = loaded.Info.Compression ?? new CompressionRecord { BaseMacs = baseProfile.TotalMacs, BaseParams = baseProfile.TotalParams };
            using var result = new Model(compressed, loaded.Info with { Compression = origin with { Settings = plan.ToJson(), Compact = parse.GetValue(compact) } });
            CostReport.Write(baseProfile, profile);
            if (data is not null && parse.GetValue(evaluate))
            {
                var before = Evaluator.Evaluate(loaded.Graph, data.Train, data.ValidationIndices, loaded.Info.Normalization, cancel: cancel);
                var after = Evaluator.Evaluate(compressed, data.Train, data.ValidationIndices, loaded.Info.Normalization, cancel: cancel);
                Console.WriteLine($"validation accuracy {before.Accuracy:F2}% -> {after.Accuracy:F2}%");
            }
            ModelFile.Save(result, outPath);
            Console.WriteLine($"wrote {outPath}");
            return Task.FromResult(0);
        });
        return command;
    }
}
