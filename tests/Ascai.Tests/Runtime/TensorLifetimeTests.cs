using Ascai.Compression;
using Ascai.Cost;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Onnx;
using Ascai.Serialization;
using Ascai.Training;
using TorchSharp;

namespace Ascai.Tests.Runtime;

/// <summary>
/// Every tensor the library makes belongs to a dispose scope or to an owner (a graph, a cache). A tensor made
/// outside any scope and dropped is freed by the GC's finaliser thread, possibly while libtorch still reads it
/// inside a native call that took its handle: the sporadic segfaults of long searches. TorchSharp counts, per
/// thread, the tensors made outside every scope; the library's entry points must leave that count unchanged.
/// </summary>
public class TensorLifetimeTests
{
    private static long Outside => DisposeScopeManager.Statistics.CreatedOutsideScopeCount;

    private static void AssertScoped(string what, Action action)
    {
        long before = Outside;
        action();
        Assert.True(Outside == before, $"{what} made {Outside - before} tensor(s) outside any dispose scope");
    }

    [Fact]
    public void EntryPointsMakeNoTensorOutsideADisposeScope()
    {
        var data = DatasetCatalog.Load("fashion-mnist", null, 100);
        data = data with { TrainIndices = data.TrainIndices[..256] };
        Model model = null!;
        AssertScoped("ModelFile.Load", () => model = ModelFile.Load(Repository.Model("vgg-small-fashion-mnist.ascai")));
        using var _ = model;
        var space = SearchSpace.Build(model.Graph, "d+ps");
        var genome = space.Genes.Select(g => g.IsDiscrete ? g.Allowed![g.Allowed.Length / 2] : (g.Min + g.Max) / 2).ToArray();
        CandidateEvaluator evaluator = null!;
        AssertScoped("new CandidateEvaluator", () => evaluator = new CandidateEvaluator(model, data, space));
        AssertScoped("CandidateEvaluator.BaseAccuracy", () => evaluator.BaseAccuracy());
        foreach (var engine in new[] { EvaluationEngine.TorchSharp, EvaluationEngine.OnnxRuntime })
        {
            var onEngine = new CandidateEvaluator(model, data, space, engine: engine);
            AssertScoped($"CandidateEvaluator.Evaluate ({engine})", () => onEngine.Evaluate(genome));
        }
        LayerGraph masked = null!, compact = null!;
        AssertScoped("Compressor.Apply (linear fill)", () => Compressor.Apply(model.Graph, space.Decode(genome),
            new CompressionContext { Data = data, Normalization = model.Info.Normalization, Fill = PrunedChannelFill.Linear }).Dispose());
        AssertScoped("Compressor.Apply", () => masked = Compressor.Apply(model.Graph, space.Decode(genome),
            new CompressionContext { Data = data, Normalization = model.Info.Normalization, Fill = PrunedChannelFill.Mean }));
        AssertScoped("LayerGraph.Clone", () => masked.Clone().Dispose());
        using (masked)
            AssertScoped("Compactor.Compact", () => compact = Compactor.Compact(masked));
        using (compact)
        {
            AssertScoped("CostModel.Profile", () => CostModel.Profile(compact));
            AssertScoped("OnnxExporter.Export", () => OnnxExporter.Export(compact));
            using var dir = new TempDirectory();
            AssertScoped("ModelFile.Save", () => ModelFile.Save(new Model(compact, model.Info), Path.Combine(dir.Path, "m.ascai")));
        }
        AssertScoped("Evaluator.Evaluate", () => Evaluator.Evaluate(model.Graph, data.Validation, data.ValidationIndices, data.Normalization));
        AssertScoped("LatencyComparison.Measure", () => LatencyComparison.Measure([new LatencySubject("m", OnnxExporter.Export(model.Graph), model.Graph, model.Graph.InputShape)], 8, 2));
        using var trained = model.Graph.Clone();
        AssertScoped("Trainer.Train", () => Trainer.Train(trained, data, new TrainOptions { Epochs = 1, BatchSize = 64 }));
    }
}
