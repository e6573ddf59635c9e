using System.CommandLine;
using Ascai.Cost;
using Ascai.Evaluation;
using Ascai.Quantization;
using Ascai.Serialization;
using Spectre.Console;

namespace Ascai.Cli.Commands;

/// <summary>
/// <c>ascai bench --model A [--model B ...]</c>: inference latency with TorchSharp and with ONNX Runtime (the model
/// exported in memory), side by side, so a compressed model's real speed-up shows; speed-ups are per engine, against the first model.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var models = new Option<string[]>("--model") { Description = "model files (the first is the reference)", Required = true, AllowMultipleArgumentsPerToken = true };
        var batch = new Option<int>("--batch") { Description = "batch size of the second measurement (the first is batch 1)", DefaultValueFactory = _ => 64 };
        var repeats = new Option<int>("--repeats") { Description = "timed runs per measurement (the median is reported)", DefaultValueFactory = _ => 21 };
        var threads = CommonOptions.Threads();
        var command = new Command("bench", "measure inference latency (TorchSharp and ONNX Runtime, this CPU) at batch 1 and batch N") { models, batch, repeats, threads };
        command.SetAction((parse, cancel) =>
        {
            int n = parse.GetValue(batch), r = parse.GetValue(repeats);
            if (n is < 1 or > 65536) throw new AscaiException($"--batch must be between 1 and 65536, got {n}");
            if (r is < 1 or > 100_000) throw new AscaiException($"--repeats must be between 1 and 100000, got {r}");
            foreach (string path in parse.GetValue(models)!)
                if (!File.Exists(path)) throw new AscaiException($"{path}: no such model file");
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            var table = new Table().AddColumns("model", "MACs", "params", "engine", "batch 1 (ms)", $"batch {n} (ms)", "images/s", "speed-up (batch 1 / N)");
            var reference = new Dictionary<string, (double One, double Many)>();
            foreach (string path in parse.GetValue(models)!)
            {
                cancel.ThrowIfCancellationRequested();
                if (Int8Model.TryLoad(path) is { } int8)
                {
                    // Priced against the reference's float32 ONNX Runtime row: what quantisation buys on the same runtime.
                    var (one, many) = int8.Latency(n, r);
                    (double One, double Many) first = reference.GetValueOrDefault("ONNX Runtime", (one, many));
                    reference.TryAdd("ONNX Runtime", first);
                    table.AddRow(Markup.Escape(Path.GetFileName(path)), $"{int8.Macs:N0}", $"{int8.Params:N0}", "ONNX Runtime int8", $"{one:F2}", $"{many:F2}",
                        $"{n * 1000 / many:N0}", $"{first.One / one:F2}x / {first.Many / many:F2}x");
                    continue;
                }
                using var model = ModelFile.Load(path);
                var profile = CostModel.Profile(model.Graph);
                var latency = Latency.Profile(model.Graph, n, r, r);
                foreach (var (engine, one, many) in new[] { ("TorchSharp", latency.TorchOne, latency.TorchMany), ("ONNX Runtime", latency.OrtOne, latency.OrtMany) })
                {
                    if (!reference.ContainsKey(engine)) reference[engine] = (one, many);
                    var first = reference[engine];
                    table.AddRow(Markup.Escape(Path.GetFileName(path)), $"{profile.TotalMacs:N0}", $"{profile.TotalParams:N0}", engine, $"{one:F2}", $"{many:F2}",
                        $"{n * 1000 / many:N0}", $"{first.One / one:F2}x / {first.Many / many:F2}x");
                }
            }
            AnsiConsole.Write(table);
            Console.WriteLine($"median of {r} runs after 3 warm-up runs, {TorchSharp.torch.get_num_threads()} threads; random inputs (dense compute does not depend on values)");
            return Task.FromResult(0);
        });
        return command;
    }
}
