using Ascai.Compression;
using Ascai.Cost;
using Ascai.Graph;
using Ascai.Graph.Nodes;
using Ascai.Onnx;
using static TorchSharp.torch;

namespace Ascai.Bench;

/// <summary>
/// What a user's PyTorch export meets: every NAME.onnx of a folder (experiments/onnx-zoo.py exports torchvision's
/// classification CNNs) imported, run on the input saved beside it (NAME.io.bin) and compared with PyTorch's output, its
/// MACs against PyTorch's own count (NAME.macs), exported again and run in ONNX Runtime; then what the search can prune:
/// the genes of Ps (without and with residual groups), D and D+Ps, how far Ps reaches (the MACs left with every gene at
/// its maximum), and every
/// Ps gene at 0.3 compacted and compared with the masked model (outputs, MACs, ONNX Runtime). A model that does not
/// import gets its one line.
/// </summary>
internal static class OnnxZooBenchmark
{
    public static void Run(string folder)
    {
        Console.WriteLine("| model | max abs difference from PyTorch (largest output) | ONNX Runtime on the export | MACs (PyTorch's count) | params | Ps genes | MACs left at their maximum | + residual groups | D genes | D+Ps genes | compact vs masked at 0.3 (MACs) | import (ms) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (string path in Directory.EnumerateFiles(folder, "*.onnx").Order())
        {
            string name = Path.GetFileNameWithoutExtension(path);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                using var graph = OnnxImporter.Load(path);
                double ms = clock.Elapsed.TotalMilliseconds;
                using var scope = NewDisposeScope();
                string difference = "no io.bin";
                string io = Path.ChangeExtension(path, ".io.bin");
                if (File.Exists(io))
                {
                    var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(io)).ToArray();
                    int inputs = 2 * (int)graph.InputShape.Elements;
                    var x = tensor(values[..inputs], graph.InputShape.WithBatch(2));
                    var expected = tensor(values[inputs..], [2, (values.Length - inputs) / 2]);
                    using var _ = inference_mode();
                    difference = $"{(graph.Forward(x) - expected).abs().max().item<float>():E1} ({expected.abs().max().item<float>():G3})";
                }
                string exported = $"{OnnxExporter.Check(graph, OnnxExporter.Export(graph)):E1}";
                var profile = CostModel.Profile(graph);
                string macsFile = Path.ChangeExtension(path, ".macs");
                string pytorchMacs = File.Exists(macsFile) ? (long.Parse(File.ReadAllText(macsFile).Trim()) == profile.TotalMacs ? "equal" : $"{long.Parse(File.ReadAllText(macsFile).Trim()) / 1e6:F1} M") : "?";
                var ps = SearchSpace.Build(graph, "ps");
                var coupled = SearchSpace.Build(graph, "ps", coupleResiduals: true);
                int Genes(string methods) => SearchSpace.Build(graph, methods).Genes.Count;
                Console.WriteLine($"| {name} | {difference} | {exported} | {profile.TotalMacs / 1e6:F1} M ({pytorchMacs}) | {profile.TotalParams:N0} | {ps.Genes.Count} | {Reach(graph, ps):F3} "
                    + $"| {coupled.Genes.Count} ({Reach(graph, coupled):F3}) | {Genes("d")} | {Genes("d+ps")} | {CompactCheck(graph, ps)} | {ms:F0} |");
            }
            catch (AscaiException e)
            {
                Console.WriteLine($"| {name} | no: {e.Message.Replace(path, name + ".onnx").Replace("|", "\\|")} | | | | | | | | | | |");
            }
        }
    }

    /// <summary>How far the genes reach: the share of the model's MACs left when every gene prunes the most it may (<see cref="SearchSpace.MaxRatio"/>).</summary>
    private static double Reach(LayerGraph graph, SearchSpace space)
    {
        var plan = new CompressionPlan { Layers = space.Genes.ToDictionary(g => g.Layer, g => new LayerSetting { Method = "ps", Ratio = g.Max }) };
        using var masked = Compressor.Apply(graph, plan, new CompressionContext { Importance = ImportanceCriterion.L1 });
        return (double)CostModel.Profile(masked).TotalMacs / CostModel.Profile(graph).TotalMacs;
    }

    /// <summary>Every gene of <paramref name="space"/> at 0.3: the compact model's largest relative difference from the masked one, and whether its MACs are the predicted ones.</summary>
    private static string CompactCheck(LayerGraph graph, SearchSpace space)
    {
        var plan = new CompressionPlan { Layers = space.Genes.ToDictionary(g => g.Layer, _ => new LayerSetting { Method = "ps", Ratio = 0.3 }) };
        using var masked = Compressor.Apply(graph, plan, new CompressionContext { Importance = ImportanceCriterion.L1 });
        using var compact = Compactor.Compact(masked);
        random.manual_seed(0);
        var x = randn(graph.InputShape.WithBatch(2));
        using var _ = inference_mode();
        var expected = masked.Forward(x);
        double relative = (compact.Forward(x) - expected).abs().max().item<float>() / Math.Max(1.0, expected.abs().max().item<float>());
        long predicted = CostModel.Profile(masked).TotalMacs, measured = CostModel.Profile(compact).TotalMacs;
        OnnxExporter.Check(compact, OnnxExporter.Export(compact));
        return $"{relative:E1}, {(predicted == measured ? "equal" : $"{predicted} vs {measured}")}, {measured / (double)CostModel.Profile(graph).TotalMacs:F2} of the MACs";
    }
}
