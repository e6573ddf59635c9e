using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Quantization;
using Ascai.Search;
using Ascai.Serialization;

namespace Ascai.Bench;

/// <summary>
/// How well the latency table predicts networks it was not fitted to: for the small VGG and ResNet-20 under
/// <c>ps+q</c>, a table is made as a search makes it (its int8 scales fitted to <see cref="LatencyReferences.Count"/>
/// networks of the space, seed 0), then held-out networks drawn the same way with another seed are each timed end to
/// end beside the original in ONNX Runtime and predicted by the table from its two anchors alone (the all-float32 and
/// the all-int8 original) and with the fit. Prints each network (MACs ratio, int8 layers, measured and predicted ratio
/// to the original) and the median and max relative error of each prediction.
/// </summary>
internal static class LatencyTableBenchmark
{
    public static void Run(int networks, int batch)
    {
        foreach (string name in new[] { "vgg-small-fashion-mnist.ascai", "resnet20-fashion-mnist.ascai" })
        {
            using var model = ModelFile.Load(Path.Combine("models", name));
            var data = DatasetCatalog.Load("fashion-mnist", null, DatasetSplits.DefaultValidationSize, model.Info.Training.FirstOrDefault()?.Seed ?? 0);
            var spec = new EvaluationSpec { Methods = "ps+q", Cost = Ascai.Cost.CostMetric.Latency, LatencyBatch = batch };
            var space = spec.Space(model.Graph);
            using var evaluator = spec.Evaluator(model, data, space);
            int threads = TorchSharp.torch.get_num_threads();
            var table = LatencyTable.Open(model.Graph, batch, threads, int8: true, references: () => LatencyReferences.Draw(space, evaluator, seed: 0));
            evaluator.Latency = table;
            var fit = table.Calibration!;
            Console.WriteLine($"{name}: original {table.Original.Many:F2} ms at batch {batch}, all int8 {table.OriginalInt8!.Value.Many:F2} ms; " +
                $"fitted to {fit.Networks} networks: median error on them {100 * fit.MedianErrorBefore:F1}% from the anchors, {100 * fit.MedianErrorAfter:F1}% fitted" +
                (fit.FirstTimingError is { } first ? $" (its int8 entries timed again after a fit that erred by {100 * first:F1}%)" : ""));
            Console.WriteLine("| network | MACs ratio | int8 layers | measured ratio | anchors | fitted |");
            Console.WriteLine("|---|---|---|---|---|---|");
            var anchorErrors = new List<double>();
            var fittedErrors = new List<double>();
            int index = 0;
            foreach (var (graph, int8) in LatencyReferences.Draw(space, evaluator, seed: 1, count: networks))
            {
                var measured = evaluator.MeasureLatency(graph, int8);
                double ratio = measured.Measured.Many / measured.Original.Many;
                double anchors = table.PredictFromAnchors(graph, int8).Many / table.Original.Many, fitted = measured.Predicted.Many / table.Original.Many;
                anchorErrors.Add(Math.Abs(anchors - ratio) / ratio);
                fittedErrors.Add(measured.Error);
                double macs = (double)Ascai.Cost.CostModel.Profile(graph).TotalMacs / evaluator.BaseMacs;
                Console.WriteLine($"| {index++} | {macs:F3} | {int8.Count} | {ratio:F3} | {anchors:F3} | {fitted:F3} |");
            }
            Console.WriteLine($"held-out median / max error: anchors {100 * Latency.Median(anchorErrors):F1}% / {100 * anchorErrors.Max():F1}%, " +
                $"fitted {100 * Latency.Median(fittedErrors):F1}% / {100 * fittedErrors.Max():F1}%");
            Console.WriteLine();
        }
    }
}
