using System.CommandLine;
using Ascai.Data;
using Ascai.Onnx;
using Ascai.Quantization;
using Ascai.Serialization;

namespace Ascai.Cli.Commands;

/// <summary><c>ascai export --model FILE --format onnx --out FILE.onnx</c>: a model file (original, compressed or compact) as ONNX.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "model file", Required = true };
        var format = new Option<string>("--format") { Description = "output format", DefaultValueFactory = _ => "onnx" };
        format.AcceptOnlyFromAmong("onnx");
        var output = CommonOptions.Output("file to write");
        var check = new Option<bool>("--check") { Description = "run the exported model in ONNX Runtime and compare its outputs with Ascai's" };
        var int8 = new Option<bool>("--int8") { Description = "write it quantised to int8 (ONNX QDQ), calibrated on training images of the data set (see ascai quantize, which also measures the accuracy)" };
        var int8Flags = Int8Flags.Create();
        var data = DataFlags.Create();
        var mean = CommonOptions.Mean();
        var std = CommonOptions.Std();
        var command = new Command("export", "write a model as ONNX (opset 17), runnable by ONNX Runtime") { model, format, output, check, int8, mean, std };
        foreach (var option in int8Flags.All.Concat(data.All)) command.Add(option);
        command.SetAction((parse, cancel) =>
        {
            string path = parse.GetValue(output)!;
            OutputPath.CheckFile(path, "path");
            if (parse.GetValue(int8))
            {
                if (parse.GetValue(check)) throw new AscaiException("--check compares float outputs: an int8 model differs by design (ascai quantize measures its accuracy instead)");
                var options = int8Flags.Read(parse);
                var normalization = CommonOptions.Normalization(parse, mean, std);
                var dataOptions = data.Read(parse);
                using var source = ModelFile.Load(parse.GetValue(model)!);
                var splits = ModelData.Load(source, dataOptions, normalization, CommonOptions.Warn);
                var quantized = Int8Quantizer.Quantize(source, splits.Train, splits.CalibrationIndices, options);
                quantized.Save(path);
                Console.WriteLine($"wrote {path} ({quantized.Onnx.Length / 1024.0:N0} KiB, int8 QDQ, {quantized.Int8Layers.Count} layers in int8)");
                return Task.FromResult(0);
            }
            var given = CommonOptions.Normalization(parse, mean, std);
            using var loaded = ModelFile.Load(parse.GetValue(model)!);
            // The normalisation given is the one the file records (in its metadata); a model that knows none says so.
            if (given is not null) loaded.ResolveNormalization(given, given);
            byte[] onnx = OnnxExporter.Export(loaded);
            // Checked before it is written: a model that does not run the same in ONNX Runtime is not a result.
            double? diff = parse.GetValue(check) ? OnnxExporter.Check(loaded.Graph, onnx) : null;
            AtomicFile.WriteBytes(path, onnx);
            var written = OnnxExporter.Signature(onnx);
            var norm = loaded.Info.Normalization;
            Console.WriteLine($"wrote {path} ({onnx.Length / 1024.0:N0} KiB, opset {written.Opset}); " +
                $"input '{written.Input}': N x {loaded.Graph.InputShape} float32, output '{written.Output}'; " +
                (loaded.Info.NormalizationAssumed
                    ? "its input normalisation is unknown (give --mean and --std to record it in the file)"
                    : $"inputs normalised with mean [{string.Join(", ", norm.Mean)}] and std [{string.Join(", ", norm.Std)}] (recorded in the file)"));
            if (diff is { } d) Console.WriteLine($"ONNX Runtime vs Ascai on 8 random inputs: max abs difference {d:G3}");
            return Task.FromResult(0);
        });
        return command;
    }
}
