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
        var model = new Option<string?>("--model") { Description = "model file" };
        var settings = new Option<string>("--settings") { Description = "JSON file: {\"layer\": {\"method\": \"ps\", \"ratio\": 0.3}, \"fc1\": {\"method\": \"svd\", \"bin\": 16}, ...}", };
        var run = new Option<string?>("--run")
        {
            Description = "instead of --model and --settings: build the model a search run returned again, as its search built it (its images for the ranking and the fill)",
        };
        var output = CommonOptions.Output("model file to write");
        var compact = new Option<bool>("--compact") { Description = "physically remove masked channels" };
        var importance = new Option<ImportanceCriterion>("--importance") { Description = "channel ranking for ps: taylor (needs the data set) or l1", DefaultValueFactory = _ => ImportanceCriterion.Taylor };
        var fill = CommonOptions.Fill();
        var multiple = CommonOptions.ChannelMultiple();
        var hooi = new Option<int>("--hooi") { Description = "HOOI refinement iterations for tucker2 (0 = HOSVD)", DefaultValueFactory = _ => 0 }
            .Gives(SettingException.Of<CompressionContext>(nameof(CompressionContext.HooiIterations)));
        var evaluate = new Option<bool>("--evaluate") { Description = "also print validation accuracy before and after" };
        var data = DataFlags.Create();
        var threads = CommonOptions.Threads();
        var mean = CommonOptions.Mean();
        var std = CommonOptions.Std();
        var command = new Command("compress", "apply an explicit per-layer compression setting")
        {
            model, settings, run, output, compact, importance, fill, multiple, hooi, evaluate, threads, mean, std,
        };
        foreach (var option in data.All) command.Add(option);
        command.SetAction((parse, cancel) =>
        {
            string outPath = parse.GetValue(output)!;
            OutputPath.CheckFile(outPath, "path");
            if (parse.GetValue(run) is { } runDir)
            {
                Option[] own = [model, settings, importance, fill, multiple, hooi, evaluate, mean, std, .. data.All];
                if (own.FirstOrDefault(o => CommonOptions.Given(parse, o)) is { } other)
                    throw new AscaiException($"{other.Name} cannot be given with --run, which takes the run's own");
                CommonOptions.ApplyThreads(parse.GetValue(threads));
                using var rebuilt = Ascai.Search.SearchRunner.Rebuild(runDir, compact: parse.GetValue(compact));
                ModelFile.Save(rebuilt, outPath);
                Console.WriteLine($"wrote {outPath}");
                return Task.FromResult(0);
            }
            if (parse.GetValue(model) is null || parse.GetValue(settings) is null)
                throw new AscaiException("give --model and --settings, or --run (a search's folder)");
            if (parse.GetValue(hooi) is < 0 or > 1000) throw new AscaiException($"--hooi must be between 0 and 1000, got {parse.GetValue(hooi)}");
            var normalization = CommonOptions.Normalization(parse, mean, std);
            var dataOptions = data.Read(parse);
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            var plan = CompressionPlan.Load(parse.GetValue(settings)!);
            using var loaded = ModelFile.Load(parse.GetValue(model)!);
            var context = new CompressionContext
            {
                Importance = parse.GetValue(importance), Fill = parse.GetValue(fill), ChannelMultiple = parse.GetValue(multiple), HooiIterations = parse.GetValue(hooi),
            };
            var splits = parse.GetValue(evaluate) || context.NeedsData(plan) ? ModelData.Load(loaded, dataOptions, normalization, CommonOptions.Warn) : null;
            if (splits is null && normalization is not null) loaded.ResolveNormalization(normalization, normalization);
            context = context with { Data = splits, Normalization = loaded.Info.Normalization };
            var compressed = Compressor.Apply(loaded.Graph, plan, context);
            if (parse.GetValue(compact)) compressed = Compactor.CompactOwned(compressed);
            var baseProfile = CostModel.Profile(loaded.Graph);
            var profile = CostModel.Profile(compressed);
            var origin = loaded.Info.Compression ?? new CompressionRecord { BaseMacs = baseProfile.TotalMacs, BaseParams = baseProfile.TotalParams };
            using var result = new Model(compressed, loaded.Info with { Compression = origin with { Settings = plan.ToJson(), Compact = parse.GetValue(compact) } });
            CostReport.Write(baseProfile, profile);
            if (splits is not null && parse.GetValue(evaluate))
            {
                var before = Evaluator.Evaluate(loaded.Graph, splits.Validation, splits.ValidationIndices, loaded.Info.Normalization, cancel: cancel).EnsureFinite("the model");
                var after = Evaluator.Evaluate(compressed, splits.Validation, splits.ValidationIndices, loaded.Info.Normalization, cancel: cancel).EnsureFinite("the compressed model");
                Console.WriteLine($"validation accuracy {before.Accuracy:F2}% -> {after.Accuracy:F2}%");
            }
            ModelFile.Save(result, outPath);
            Console.WriteLine($"wrote {outPath}");
            return Task.FromResult(0);
        });
        return command;
    }
}
