using Ascai.Compression;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Serialization;

namespace Ascai.Tests.Evaluation;

/// <summary>The evaluator's optimisations change how fast a candidate is scored, never its score.</summary>
public class CandidateEvaluatorTests
{
    private static readonly DatasetSplits Data = DatasetCatalog.Load("fashion-mnist");

    [Theory]
    [InlineData("vgg-small-fashion-mnist.ascai", "ps")]
    [InlineData("vgg-small-fashion-mnist.ascai", "d+ps")]
    [InlineData("resnet20-fashion-mnist.ascai", "d+ps")]
    public void EveryOptimisationGivesTheSameAccuracyAndCost(string file, string methods)
    {
        using var model = ModelFile.Load(Repository.Model(file));
        var data = Data with { ValidationIndices = Data.ValidationIndices[..200] };
        var space = SearchSpace.Build(model.Graph, methods);
        // Fast: compact, cached factorisations, preloaded batches. Straightforward: full-size masked model,
        // factorised afresh each time. And the fast form on ONNX Runtime.
        using var fast = new CandidateEvaluator(model, data, space);
        using var plain = new CandidateEvaluator(model, data, space, new EvaluationSpec().Context(cacheFactors: false), compact: false);
        using var onnx = new CandidateEvaluator(model, data, space, engine: EvaluationEngine.OnnxRuntime);
        using var auto = new CandidateEvaluator(model, data, space, engine: EvaluationEngine.Auto);
        var random = new Random(7);
        for (int i = 0; i < 3; i++)
        {
            var genome = space.Genes.Select(g => g.IsDiscrete ? g.Allowed![random.Next(g.Allowed.Length)] : g.Min + random.NextDouble() * 0.5 * (g.Max - g.Min)).ToArray();
            var expected = plain.Evaluate(genome);
            Assert.Equal(expected, fast.Evaluate(genome));
            Assert.Equal(expected, onnx.Evaluate(genome));
            Assert.Equal(expected, auto.Evaluate(genome)); // tries torchsharp, then onnxruntime, ...
        }
        Assert.Null(auto.ChosenEngine);
        for (int i = 0; i < 3; i++) auto.Evaluate(space.Identity);
        Assert.NotNull(auto.ChosenEngine); // after three candidates on each engine
        Assert.True(fast.Factors!.Hits > 0 || methods == "ps", "decompositions were served from the cache");
        Assert.Equal(3, fast.Timings.Count);
        Assert.True(fast.Timings.Forward > 0 && fast.Timings.Compress > 0);
    }
}
