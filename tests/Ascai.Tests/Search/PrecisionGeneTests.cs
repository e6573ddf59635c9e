using System.Text.Json;
using Ascai.Compression;
using Ascai.Cost;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Graph.Nodes;
using Ascai.Quantization;
using Ascai.Search;
using Ascai.Serialization;

namespace Ascai.Tests.Search;

/// <summary>
/// The precision gene (q): one per conv and linear layer, int8 or float32; a candidate with int8 layers is scored as the
/// QDQ model ONNX Runtime runs, and costs its BOPs. Float32 everywhere is the float search, bit for bit.
/// </summary>
public class PrecisionGeneTests
{
    private static readonly DatasetSplits Data = DatasetCatalog.Load("fashion-mnist");

    [Fact]
    public void EveryConvAndLinearLayerGetsOnePrecisionGeneAfterThePruningGenes()
    {
        using var model = ModelFile.Load(Repository.Model("vgg-small-fashion-mnist.ascai"));
        var layers = model.Graph.Nodes.Where(n => n is Conv2dNode or LinearNode).Select(n => n.Name).ToList();
        var ps = SearchSpace.Build(model.Graph, "ps");
        var joint = SearchSpace.Build(model.Graph, "ps+q");
        Assert.Equal(ps.Genes, joint.Genes.Take(ps.Genes.Count));
        var precision = joint.Genes.Skip(ps.Genes.Count).ToList();
        Assert.Equal(layers, precision.Select(g => g.Layer));
        Assert.All(precision, g => Assert.Equal((GeneKind.Precision, "q", 32.0), (g.Kind, g.Method, g.Identity)));
        Assert.Equal(layers, SearchSpace.Build(model.Graph, "q").Genes.Select(g => g.Layer));
        Assert.Equal(CostMetric.Bops, joint.Cost);
        Assert.Equal(CostMetric.Macs, ps.Cost);
        Assert.Equal(CostMetric.Params, SearchSpace.Build(model.Graph, "pn").Cost);
        Assert.Equal(CostMetric.Macs, SearchSpace.Build(model.Graph, "ps+q", cost: CostMetric.Macs).Cost);

        // Decoding: values snap to 8 or 32; 8 is int8, 32 leaves the layer as is; precision is not part of the plan.
        var genome = joint.Identity;
        genome[ps.Genes.Count] = 9;       // snaps to 8
        genome[ps.Genes.Count + 2] = 30;  // snaps to 32
        genome[^1] = 8;
        Assert.Equal([layers[0], layers[^1]], joint.Int8Layers(genome).Order());
        var decoded = joint.Decoded(genome);
        Assert.Equal(8, decoded[ps.Genes.Count]);
        Assert.Equal(-1, decoded[ps.Genes.Count + 2]);
        Assert.Empty(joint.Decode(genome).Layers);
        Assert.NotEqual(joint.ModelKey(genome), joint.ModelKey(joint.Identity));
        Assert.Empty(joint.Int8Layers(joint.Identity));
    }

    [Fact]
    public void WarmSamplesRangeUniformlyFromAllFloat32ToAllInt8()
    {
        using var model = ModelFile.Load(Repository.Model("vgg-small-fashion-mnist.ascai"));
        var space = SearchSpace.Build(model.Graph, "q");
        int layers = space.Genes.Count;
        var theta = space.Genes.Select(g => g.Allowed![0] * 1.0).ToArray();
        theta[0] = 32; // the first layer alone misses the floor in int8: never drawn so
        var random = new Random(0);
        const int samples = 9000;
        var counts = new int[layers];
        for (int s = 0; s < samples; s++)
        {
            var genome = Initialization.Sample(space, theta, random);
            Assert.Equal(32, genome[0]);
            counts[space.Int8Layers(genome).Count]++;
        }
        // One int8 probability per sample, uniform: the number of int8 layers among the 7 that may take it is uniform
        // over 0..7 (a beta-binomial with both parameters 1), where independent coin flips would give 1 in 128 all int8.
        Assert.All(counts, c => Assert.InRange((double)c / samples, 1.0 / layers - 0.02, 1.0 / layers + 0.02));
    }

    [Fact]
    public void BopsWeighEachLayersMacsByItsBits()
    {
        using var model = ModelFile.Load(Repository.Model("vgg-small-fashion-mnist.ascai"));
        var profile = CostModel.Profile(model.Graph);
        Assert.Equal(profile.TotalMacs, profile.TotalBops()); // float32: 32 x 32 / 1024 = 1
        var int8 = new HashSet<string> { "conv2", "fc1" };
        long expected = profile.Layers.Sum(l => l.Macs * (int8.Contains(l.Name) ? 8 * 8 : 32 * 32)) / 1024;
        Assert.Equal(expected, profile.TotalBops(int8));
        Assert.Equal(profile.TotalMacs - (profile["conv2"].Macs + profile["fc1"].Macs) * 15 / 16, profile.TotalBops(int8), 1.0);
    }

    [Fact]
    public void Int8CandidatesAreScoredAsTheQuantisedFileRunsAndFloatOnesAsBefore()
    {
        using var model = ModelFile.Load(Repository.Model("vgg-small-fashion-mnist.ascai"));
        var data = Data with { ValidationIndices = Data.ValidationIndices[..300] };
        var ps = SearchSpace.Build(model.Graph, "ps");
        var joint = SearchSpace.Build(model.Graph, "ps+q");
        var spec = new EvaluationSpec { Methods = "ps+q", Quantization = new Int8Options { CalibrationImages = 128 } };
        using var floatEvaluator = new CandidateEvaluator(model, data, ps, engine: EvaluationEngine.OnnxRuntime);
        using var evaluator = new CandidateEvaluator(model, data, joint, engine: EvaluationEngine.OnnxRuntime, quantization: spec.Quantization);
        Assert.Equal(floatEvaluator.BaseMacs, evaluator.BaseCost); // the float32 original's BOPs are its MACs

        var pruning = ps.Identity.Select((_, i) => i % 2 == 0 ? 0.4 : 0.0).ToArray();
        // All float32: the same candidate, the same result, as in a search without precision genes.
        var allFloat = pruning.Concat(joint.Genes.Skip(ps.Genes.Count).Select(g => g.Identity)).ToArray();
        var expectedFloat = floatEvaluator.Evaluate(pruning);
        Assert.Equal(expectedFloat with { Bops = expectedFloat.Macs }, evaluator.Evaluate(allFloat));

        // Every layer int8: the same MACs, a sixteenth of the BOPs, and the accuracy of the QDQ file ONNX Runtime runs.
        var allInt8 = pruning.Concat(joint.Genes.Skip(ps.Genes.Count).Select(_ => 8.0)).ToArray();
        var quantized = evaluator.Evaluate(allInt8);
        Assert.Equal(expectedFloat.Macs, quantized.Macs);
        Assert.Equal(quantized.Macs / 16, quantized.Bops!.Value, 1.0);
        Assert.Equal(quantized, evaluator.Evaluate(allInt8)); // calibrated on the same images: the same model each time
        Assert.InRange(quantized.ValAccuracy, expectedFloat.ValAccuracy - 2, expectedFloat.ValAccuracy + 2);
        using var graph = evaluator.Build(allInt8);
        var file = evaluator.Quantize(graph, joint.Int8Layers(allInt8), model.Info);
        Assert.Equal(graph.Nodes.Count(n => n is Conv2dNode or LinearNode), file.Int8Layers.Count);
        using var session = file.Session();
        var onFile = Evaluator.Evaluate(session.Run, data.Validation, data.ValidationIndices, model.Info.Normalization);
        Assert.Equal(onFile.Accuracy, quantized.ValAccuracy, 9);
        Assert.Equal(onFile.Accuracy, evaluator.Accuracy(graph, data.Validation, data.ValidationIndices, joint.Int8Layers(allInt8)), 9);
    }

    [Fact]
    public void ADecomposedLayerInInt8RunsEveryFactorInInt8()
    {
        // d+ps+q: the decomposition genes, then the pruning genes, then one precision gene per layer of the original.
        using var model = ModelFile.Load(Repository.Model("vgg-small-fashion-mnist.ascai"));
        var data = Data with { ValidationIndices = Data.ValidationIndices[..300] };
        var dps = SearchSpace.Build(model.Graph, "d+ps");
        var joint = SearchSpace.Build(model.Graph, "d+ps+q");
        Assert.Equal(dps.Genes.Select(g => g.ToString()), joint.Genes.Take(dps.Genes.Count).Select(g => g.ToString()));
        var quantization = new Int8Options { CalibrationImages = 128 };
        using var floatEvaluator = new CandidateEvaluator(model, data, dps, engine: EvaluationEngine.OnnxRuntime);
        using var evaluator = new CandidateEvaluator(model, data, joint, engine: EvaluationEngine.OnnxRuntime, quantization: quantization);

        // conv3 to a Tucker-2 pair of middle bins, fc1 to a middle SVD bin, no pruning; then conv3 and fc1 in int8.
        var compression = dps.Identity;
        int tucker = dps.Genes.ToList().FindIndex(g => g.Layer == "conv3" && g.Kind == GeneKind.TuckerOutBin);
        int svd = dps.Genes.ToList().FindIndex(g => g.Layer == "fc1" && g.Kind == GeneKind.SvdBin);
        (compression[tucker], compression[tucker + 1]) = (4, 4);
        compression[svd] = dps.Genes[svd].Allowed![dps.Genes[svd].Allowed!.Length / 2];
        Assert.Equal(["conv3", "fc1"], dps.Decode(compression).Layers.Keys.Order());
        var precision = joint.Genes.Skip(dps.Genes.Count).Select(g => g.Layer is "conv3" or "fc1" ? 8.0 : g.Identity);
        var genome = compression.Concat(precision).ToArray();
        Assert.Equal(["conv3", "fc1"], joint.Int8Layers(genome).Order());

        var asFloat = floatEvaluator.Evaluate(compression);
        var result = evaluator.Evaluate(genome);
        using var graph = evaluator.Build(genome);
        // Every factor of the two decomposed layers, and nothing else, is int8: their MACs count 8 x 8 bits in the BOPs.
        var factors = Int8Quantizer.NodesOf(graph, joint.Int8Layers(genome));
        Assert.True(factors.Count >= 5, $"conv3's three Tucker-2 convs and fc1's two factors, got {string.Join(", ", factors)}");
        Assert.All(factors, f => Assert.True(f.StartsWith("conv3", StringComparison.Ordinal) || f.StartsWith("fc1", StringComparison.Ordinal), f));
        var profile = CostModel.Profile(graph);
        Assert.Equal(asFloat.Macs, result.Macs);
        Assert.Equal(profile.TotalBops(factors), result.Bops);
        Assert.True(result.Bops < result.Macs);
        Assert.InRange(result.ValAccuracy, asFloat.ValAccuracy - 2, asFloat.ValAccuracy + 2);
        // The file the run would write holds those factors in int8 and scores what the search measured.
        var file = evaluator.Quantize(graph, joint.Int8Layers(genome), model.Info);
        Assert.Equal(factors.Order(), file.Int8Layers.Order());
        using var session = file.Session();
        Assert.Equal(result.ValAccuracy, Evaluator.Evaluate(session.Run, data.Validation, data.ValidationIndices, model.Info.Normalization).Accuracy, 9);
    }

    [Fact]
    public void AJointSearchWritesTheInt8ModelItMeasured()
    {
        using var dir = new TempDirectory();
        string runDir = Path.Combine(dir.Path, "run");
        var config = new SearchConfig
        {
            Model = Repository.Model("vgg-small-fashion-mnist.ascai"), MaxDrop = 1, Confirmation = 0, Confidence = null, FineTune = null, Data = new DataOptions { ValidationSize = 300 },
            Evaluation = new EvaluationSpec { Methods = "ps+q", Include = ["conv5", "conv6", "fc1", "fc2"], Quantization = new Int8Options { CalibrationImages = 128 } },
            Options = new SearchOptions { Population = 4, Generations = 2, Budget = 40, Seed = 1 },
        };
        var summary = SearchRunner.Start(config, runDir);
        Assert.Equal("bops", summary.Cost);
        Assert.Equal(3 + 4, summary.Genes); // ps: conv5, conv6, fc1; q: conv5, conv6, fc1, fc2
        var best = summary.Best!;
        var journal = Journal.Read(Path.Combine(runDir, RunStore.JournalFile));
        var record = journal.Single(r => r.Genome.SequenceEqual(best.Genome!));
        Assert.Equal(record.Bops ?? record.Macs, best.Bops);
        Assert.True(journal.Any(r => r.Bops is not null), "some candidate ran int8 layers");
        // Same seed, same search: the int8 calibration is part of the pure evaluation.
        var again = SearchRunner.Start(config, Path.Combine(dir.Path, "again"));
        Assert.Equal(File.ReadAllLines(Path.Combine(runDir, RunStore.JournalFile)).Select(Scores),
            File.ReadAllLines(Path.Combine(dir.Path, "again", RunStore.JournalFile)).Select(Scores));
        Assert.Equal(best.Genome, again.Best!.Genome);

        string int8File = Path.Combine(runDir, RunStore.BestInt8File);
        // Priced in bit-operations, the cheapest model within the floor runs layers in int8 (a quarter of their cost).
        Assert.NotEmpty(best.Int8Layers);
        Assert.True(File.Exists(int8File));
        // The file is the model the search scored: ONNX Runtime gives it the summary's validation and test accuracy.
        var model = Int8Model.TryLoad(int8File)!;
        var data = DatasetCatalog.Load("fashion-mnist", null, 300);
        using var session = model.Session();
        Assert.Equal(best.ValAccuracy, Evaluator.Evaluate(session.Run, data.Train, data.ValidationIndices, model.Info.Normalization).Accuracy, 9);
        Assert.Equal(best.TestAccuracy!.Value, Evaluator.Evaluate(session.Run, data.Test, data.TestIndices, model.Info.Normalization).Accuracy, 9);
    }

    // A journal line without its timing, which differs from run to run.
    private static string Scores(string line)
    {
        var record = JsonSerializer.Deserialize<EvaluationRecord>(line, Json.Options)!;
        return JsonSerializer.Serialize(record with { Seconds = 0 }, Json.Options);
    }
}
