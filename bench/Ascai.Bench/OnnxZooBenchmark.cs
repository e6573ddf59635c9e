using Ascai.Compression;
using Ascai.Cost;
using Ascai.Onnx;
using static TorchSharp.torch;

namespace Ascai.Bench;

/// <summary>
/// What a user's PyTorch export meets: every NAME.onnx of a folder (experiments/onnx-zoo.py exports torchvision's
/// classification CNNs) imported, run on the input saved beside it (NAME.io.bin) and compared with PyTorch's output,
/// with its MACs, parameters and channel-pruning targets; or the one line a model that does not import gets.
/// </summary>
internal static class OnnxZooBenchmark
{
    public static void Run(string folder)
    {
        Console.WriteLine("| model | imports | max abs difference from PyTorch (largest output) | MACs | params | ps targets | import (ms) |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (string path in Directory.EnumerateFiles(folder, "*.onnx").Order())
        {
            string name = Path.GetFileNameWithoutExtension(path);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                using var graph = OnnxImporter.Load(path);
                double ms = clock.Elapsed.TotalMilliseconds;
                string difference = "no io.bin";
                string io = Path.ChangeExtension(path, ".io.bin");
                if (File.Exists(io))
                {
                    using var scope = NewDisposeScope();
                    var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(io)).ToArray();
                    int inputs = 2 * (int)graph.InputShape.Elements;
                    var x = tensor(values[..inputs], graph.InputShape.WithBatch(2));
                    var expected = tensor(values[inputs..], [2, (values.Length - inputs) / 2]);
                    using var _ = inference_mode();
                    difference = $"{(graph.Forward(x) - expected).abs().max().item<float>():E1} ({expected.abs().max().item<float>():G3})";
                }
                var profile = CostModel.Profile(graph);
                Console.WriteLine($"| {name} | yes | {difference} | {profile.TotalMacs / 1e6:F1} M | {profile.TotalParams:N0} | {new ChannelPruning().Targets(graph).Count()} | {ms:F0} |");
            }
            catch (AscaiException e)
            {
                Console.WriteLine($"| {name} | no: {e.Message.Replace(path, name + ".onnx").Replace("|", "\\|")} | | | | | |");
            }
        }
    }
}
