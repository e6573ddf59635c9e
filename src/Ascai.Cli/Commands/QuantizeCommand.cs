using System.CommandLine;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Onnx;
using Ascai.Quantization;
using Ascai.Serialization;

namespace Ascai.Cli.Commands;

/// <summary>
/// <c>ascai quantize --model M --out M-int8.onnx</c>: post-training int8 quantisation to an ONNX QDQ model, with the
/// float and int8 accuracy both measured in ONNX Runtime.
/// </summary>
internal static class QuantizeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "model file (original, compressed or compact; .ascai or .onnx)", Required = true };
        var output = CommonOptions.Output("ONNX file to write (int8 QDQ)");
        var int8 = Int8Flags.Create();
        var data = DataFlags.Create();
        var threads = CommonOptions.Threads();
        var mean = CommonOptions.Mean();
        var std = CommonOptions.Std();
        var command = new Command("quantize", "quantise a model to int8 (ONNX QDQ, run by ONNX Runtime's int8 kernels) and measure its accuracy") { model, output, threads, mean, std };
        foreach (var option in int8.All.Concat(data.All)) command.Add(option);
        command.SetAction((parse, cancel) =>
        {
            string path = parse.GetValue(output)!;
            if (!ModelFile.IsOnnx(path)) throw new AscaiException($"{path}: an int8 model is an ONNX file: name it .onnx");
            OutputPath.CheckFile(path, "path");
            var options = int8.Read(parse);
            var normalization = CommonOptions.Normalization(parse, mean, std);
            var dataOptions = data.Read(parse);
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            using var loaded = ModelFile.Load(parse.GetValue(model)!);
            var splits = ModelData.Load(loaded, dataOptions, normalization, CommonOptions.Warn);
            var quantized = Int8Quantizer.Quantize(loaded, splits.Train, splits.CalibrationIndices, options);
            Console.WriteLine($"{quantized.Int8Layers.Count} conv / linear layers in int8, calibrated on {Math.Min(options.CalibrationImages, splits.CalibrationIndices.Length)} training images ({options.Method}{(options.Method == CalibrationMethod.Percentile ? $" {options.Percentile}" : "")})");
            using var floatSession = new OnnxRuntimeSession(OnnxExporter.Export(loaded.Graph));
            using var int8Session = quantized.Session();
            foreach (var (name, images, indices) in new[] { ("validation", splits.Validation, splits.ValidationIndices), ("test", splits.Test, splits.TestIndices) })
            {
                if (indices.Length == 0) continue; // a folder without test/
                var before = Evaluator.Evaluate(floatSession.Run, images, indices, loaded.Info.Normalization, cancel: cancel).EnsureFinite("the float model");
                var after = Evaluator.Evaluate(int8Session.Run, images, indices, loaded.Info.Normalization, cancel: cancel).EnsureFinite("the int8 model");
                Console.WriteLine($"{name} accuracy in ONNX Runtime: float32 {before.Accuracy:F2}%, int8 {after.Accuracy:F2}% ({after.Accuracy - before.Accuracy:+0.00;-0.00} points)");
            }
            quantized.Save(path);
            Console.WriteLine($"wrote {path} ({quantized.Onnx.Length / 1024.0:N0} KiB)");
            return Task.FromResult(0);
        });
        return command;
    }
}
