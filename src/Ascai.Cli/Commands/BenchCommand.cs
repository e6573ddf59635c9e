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
            var owned = new List<IDisposable>();
            try
            {
                var loaded = parse.GetValue(models)!.Select(path => LatencySubject.Load(path, owned)).ToList();
                cancel.ThrowIfCancellationRequested();
                var rows = LatencyComparison.Measure([.. loaded.Select(l => l.Subject)], n, r);
                var table = new Table().AddColumns("model", "MACs", "params", "engine", "batch 1 (ms)", $"batch {n} (ms)", "images/s", "speed-up (batch 1 / N)");
                foreach (var row in rows)
                {
                    var (subject, macs, parameters) = loaded[row.Subject];
                    string engine = subject.Graph is null ? $"{row.Engine} int8" : row.Engine;
                    table.AddRow(Markup.Escape(row.Model), $"{macs:N0}", $"{parameters:N0}", engine, $"{row.One:F2}", $"{row.Many:F2}",
                        $"{n * 1000 / row.Many:N0}", $"{row.SpeedUpOne:F2}x / {row.SpeedUpMany:F2}x");
                }
                AnsiConsole.Write(table);
            }
            finally
            {
                foreach (var d in owned) d.Dispose();
            }
            Console.WriteLine($"median of {r} rounds, the models timed in turn in each (a speed-up is the median of the rounds' ratios), after warm-up runs; " +
                $"{TorchSharp.torch.get_num_threads()} threads; random inputs (dense compute does not depend on values)");
            return Task.FromResult(0);
        });
        return command;
    }
}
