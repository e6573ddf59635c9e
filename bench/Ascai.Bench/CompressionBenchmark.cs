using System.Diagnostics;
using Ascai.Compression;
using Ascai.Cost;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Graph.Nodes;
using Ascai.Serialization;

namespace Ascai.Bench;

/// <summary>
/// The compression-methods table: on a trained model, without fine-tuning, each method applied uniformly at ratios 0.1 .. 0.7 —
/// validation accuracy, MACs ratio (parameters for Pn), and the measured latency of the compact model against the
/// original's (1,000 validation images, batch 250, median of 5), so that "cheaper on paper" is checked in seconds.
/// A ratio r maps to: Pn / Ps, prune r of each layer; SVD, rank fraction 1 - r (bin round(64(1-r)));
/// Tucker-2, both rank fractions 1 - r (bins round(8(1-r))); layers where that rank would not save cost stay as is.
/// </summary>
internal static class CompressionBenchmark
{
    public static void Run(string modelPath, int repeats)
    {
        using var model = ModelFile.Load(modelPath);
        var data = DatasetCatalog.Load("fashion-mnist");
        var context = new CompressionContext { Data = data, Normalization = model.Info.Normalization };
        var baseProfile = CostModel.Profile(model.Graph);
        double baseAccuracy = Validation(model.Graph, data, model.Info);
        double baseSeconds = Latency(model.Graph, data, model.Info, repeats);
        Console.WriteLine($"{Path.GetFileName(modelPath)}: validation {baseAccuracy:F2}%, {baseProfile.TotalMacs / 1e6:F2} M MACs, {baseProfile.TotalParams:N0} params, {baseSeconds * 1000:F0} ms / 1,000 images");
        Console.WriteLine("| method | ratio | val acc (%) | MACs ratio | params ratio | latency (ms) | speed-up |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (string method in new[] { "pn", "ps", "svd", "tucker2", "d" })
            foreach (double ratio in new[] { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7 })
            {
                var plan = Uniform(model.Graph, method, ratio);
                using var compressed = Compressor.Apply(model.Graph, plan, context);
                using var compact = Compactor.Compact(compressed);
                var profile = CostModel.Profile(compact);
                double accuracy = Validation(compact, data, model.Info);
                double seconds = Latency(compact, data, model.Info, repeats);
                double paramsRatio = method == "pn" ? (double)profile.TotalNonZeroParams / baseProfile.TotalParams : (double)profile.TotalParams / baseProfile.TotalParams;
                Console.WriteLine($"| {method} | {ratio:F1} | {accuracy:F2} | {(double)profile.TotalMacs / baseProfile.TotalMacs:F3} | {paramsRatio:F3} | {seconds * 1000:F0} | {baseSeconds / seconds:F2}x |");
            }
    }

    /// <summary>A plan that applies one method at one ratio to every layer it can compress (and save cost on).</summary>
    public static CompressionPlan Uniform(LayerGraph graph, string method, double ratio)
    {
        var plan = new CompressionPlan();
        var shapes = graph.InferShapes();
        if (method is "pn" or "ps")
            foreach (string layer in CompressionMethods.Get(method).Targets(graph))
                plan.Layers[layer] = new LayerSetting { Method = method, Ratio = ratio };
        if (method is "svd" or "d")
            foreach (string layer in new SvdDecomposition().Targets(graph))
            {
                int full = SvdDecomposition.FullRank(graph[layer]);
                int bin = Math.Max(1, (int)Math.Round(64 * (1 - ratio)));
                long m = graph[layer].Parameters["weight"].shape[0], n = graph[layer].Parameters["weight"].numel() / m;
                if (SvdDecomposition.Reduces(m, n, Settings.RankOfBin(bin, full, 64)))
                    plan.Layers[layer] = new LayerSetting { Method = "svd", Bin = bin };
            }
        if (method is "tucker2" or "d")
            foreach (string layer in new Tucker2Decomposition().Targets(graph))
            {
                var conv = (Conv2dNode)graph[layer];
                int bin = Math.Max(1, (int)Math.Round(8 * (1 - ratio)));
                int rOut = Settings.RankOfBin(bin, conv.OutChannels, 8), rIn = Settings.RankOfBin(bin, conv.InChannels, 8);
                var (input, output) = (shapes[conv.Inputs[0]], shapes[layer]);
                if (Tucker2Decomposition.FactoredMacs(conv, input, output, rOut, rIn) < conv.Macs([input], output))
                    plan.Layers[layer] = new LayerSetting { Method = "tucker2", Bins = [bin, bin] };
            }
        return plan;
    }

    private static double Validation(LayerGraph graph, DatasetSplits data, ModelInfo info) =>
        Evaluator.Evaluate(graph, data.Validation, data.ValidationIndices, info.Normalization).Accuracy;

    private static double Latency(LayerGraph graph, DatasetSplits data, ModelInfo info, int repeats)
    {
        Validation(graph, data, info); // warm-up
        return Enumerable.Range(0, repeats).Select(_ =>
        {
            var clock = Stopwatch.StartNew();
            Validation(graph, data, info);
            return clock.Elapsed.TotalSeconds;
        }).Order().ElementAt(repeats / 2);
    }
}
