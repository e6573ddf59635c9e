using Ascai.Compression;
using Ascai.Cost;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Graph.Nodes;
using Ascai.Models;
using Ascai.Search;
using Ascai.Serialization;
using Ascai.Training;
using static TorchSharp.torch;

namespace Ascai.Tests.Search;

/// <summary>Fine-tuning inside the pipeline, batch-norm re-estimation, and the probe's rank correlation.</summary>
public class FineTuningTests
{
    private static DatasetSplits Tiny(TempDirectory dir)
    {
        Ascai.Tests.Data.IdxFiles.WriteDataset(dir.Path, 600, 100, h: 16, w: 16);
        return DatasetCatalog.Load(new DataOptions { Dataset = "idx", DataDir = dir.Path, ValidationSize = 100 });
    }

    [Fact]
    public void FineTuningACompactModelKeepsItCompactAndKeepsNonStructuredZerosAtZero()
    {
        using var dir = new TempDirectory();
        var data = Tiny(dir);
        using var graph = ModelZoo.Create("vgg-small", data.InputShape, 10, seed: 1);
        var plan = new CompressionPlan { Layers = { ["conv2"] = new LayerSetting { Method = "ps", Ratio = 0.5 }, ["conv4"] = new LayerSetting { Method = "pn", Ratio = 0.5 } } };
        using var compact = Compactor.CompactOwned(Compressor.Apply(graph, plan, new CompressionContext { Importance = ImportanceCriterion.L1 }));
        var before = CostModel.Profile(compact);
        Trainer.Train(compact, data, new TrainOptions { Epochs = 1, BatchSize = 50, LearningRate = 0.01, KeepZeros = true }, teacher: graph);
        var after = CostModel.Profile(compact);
        Assert.Equal(before.TotalMacs, after.TotalMacs);       // no channel regrows: the compact shapes are the model
        Assert.Equal(before.TotalParams, after.TotalParams);
        Assert.Equal(before.TotalNonZeroParams, after.TotalNonZeroParams); // and pruned weights stay zero
        Assert.Contains(compact.Nodes, n => n.Name == "conv2" && ((Conv2dNode)n).OutChannels == 16);
    }

    [Fact]
    public void DistillingACandidateOfAnImportedModelLeavesItsTeacherAndItsAccuracy()
    {
        // A PyTorch CNN imported from ONNX (trained on images 0..58,999), one candidate, one short distilled fine-tune.
        // (TorchSharp's kl_div reads its target as log-probabilities unless told otherwise: the loss was 30 nats an image.)
        using var model = ModelFile.Load(Repository.Fixture("pytorch/fashion-last-1000.onnx"));
        model.Info = model.Info with { Normalization = Normalization.FashionMnist };
        var data = ModelData.Load(model, new DataOptions { ValidationRange = "59000:60000" });
        var space = SearchSpace.Build(model.Graph, "ps");
        using var evaluator = new CandidateEvaluator(model, data, space);
        using var candidate = evaluator.Build(space.Genes.Select(_ => 0.25).ToArray());
        double before = evaluator.Measure(candidate).ValAccuracy;
        using var scope = NewDisposeScope();
        var (probe, _) = new BatchLoader(data.Validation, model.Info.Normalization).Make(data.ValidationIndices[..64]);
        Tensor teacherOut;
        using (inference_mode()) teacherOut = model.Graph.Forward(probe).clone();
        Trainer.Train(candidate, data with { Normalization = model.Info.Normalization },
            new TrainOptions { Epochs = 1, BatchSize = 128, LearningRate = 0.01, TimeLimit = TimeSpan.FromSeconds(8) }, teacher: model.Graph);
        using (inference_mode()) TensorAssert.Close(teacherOut, model.Graph.Forward(probe), 0); // the teacher is not trained with it
        double after = evaluator.Measure(candidate).ValAccuracy;
        Assert.True(after > before - 3, $"distillation broke the candidate: {before:F1}% -> {after:F1}%");
    }

    [Fact]
    public void BatchNormReestimationLeavesTheAverageOfTheBatchesStatistics()
    {
        var g = new GraphBuilder(new Shape(2, 3, 3));
        using var graph = g.Build(g.BatchNorm("input"));
        using var scope = NewDisposeScope();
        var bn = (BatchNormNode)graph.Nodes[1];
        var a = randn(4, 2, 3, 3, generator: new Generator(1)) * 3 + 1;
        var b = randn(4, 2, 3, 3, generator: new Generator(2)) - 2;
        Assert.True(BatchNormReestimation.Apply(graph, [(a.data<float>().ToArray(), a.shape), (b.data<float>().ToArray(), b.shape)]));
        // Each batch's mean and unbiased variance per channel, averaged: what the running statistics must hold now.
        var mean = (a.mean([0, 2, 3]) + b.mean([0, 2, 3])) / 2;
        var variance = (a.var([0, 2, 3], unbiased: true) + b.var([0, 2, 3], unbiased: true)) / 2;
        TensorAssert.Close(mean, bn.Buffers["running_mean"], 1e-5);
        TensorAssert.Close(variance, bn.Buffers["running_var"], 1e-4);
        Assert.Null(bn.Reestimating);
    }

    [Fact]
    public void ReestimatedCandidatesAreStillTheirCompactForm()
    {
        using var dir = new TempDirectory();
        var data = Tiny(dir);
        using var graph = ModelZoo.Create("vgg-small", data.InputShape, 10, seed: 1);
        var model = new Model(graph, new ModelInfo { NumClasses = 10, Normalization = data.Normalization });
        var space = SearchSpace.Build(graph, "ps");
        using var plain = new CandidateEvaluator(model, data, space, new CompressionContext { Importance = ImportanceCriterion.L1 });
        using var reestimated = new CandidateEvaluator(model, data, space, new CompressionContext { Importance = ImportanceCriterion.L1, BatchNormImages = 200 });
        var genome = space.Genes.Select(_ => 0.5).ToArray();
        using var scope = NewDisposeScope();
        using var masked = reestimated.BuildMasked(genome);
        using var compact = reestimated.Build(genome);
        var x = randn(5, 1, 16, 16, generator: new Generator(3));
        using (inference_mode()) TensorAssert.Close(masked.Forward(x), compact.Forward(x), 1e-4);
        var moved = masked.Nodes.OfType<BatchNormNode>().Any(n => !n.Buffers["running_mean"].allclose(graph[n.Name].Buffers["running_mean"]));
        Assert.True(moved, "re-estimation changed the statistics of the batch-norms after pruned layers");
        Assert.NotEqual(plain.Evaluate(genome).ValAccuracy + 1e-9, reestimated.Evaluate(genome).ValAccuracy);
    }

    [Fact]
    public void KendallsTauCountsConcordantPairs()
    {
        Assert.Equal(1, FrontFineTuning.KendallTau([1, 2, 3, 4], [10, 20, 30, 40]));
        Assert.Equal(-1, FrontFineTuning.KendallTau([1, 2, 3], [3, 2, 1]));
        // 6 pairs: 2 concordant ((1,2), (1,3)), 4 discordant -> (2 - 4) / 6.
        Assert.Equal(-2.0 / 6, FrontFineTuning.KendallTau([1, 2, 3, 4], [1, 3, 2, 0.5]), 12);
        // tau-b with a tie in y: n0 = 3, ties 0 and 1: (C - D) / sqrt(3 * 2) with C = 2, D = 0.
        Assert.Equal(2 / Math.Sqrt(6), FrontFineTuning.KendallTau([1, 2, 3], [1, 2, 2]), 12);
    }

    // 1,500 training and 300 test images of Fashion-MNIST as IDX files: little, but learnable.
    private static DatasetSplits Slice(TempDirectory dir)
    {
        var full = DatasetCatalog.Load("fashion-mnist");
        foreach (var (source, count, stem) in new[] { ((InMemoryImages)full.Train, 1500, "train"), ((InMemoryImages)full.Test, 300, "t10k") })
        {
            Ascai.Tests.Data.IdxFiles.Write(dir.File($"{stem}-images-idx3-ubyte"), [count, 28, 28], Enumerable.Range(0, count).SelectMany(i => source.Pixels(i).ToArray()).ToArray(), gzip: false);
            Ascai.Tests.Data.IdxFiles.Write(dir.File($"{stem}-labels-idx1-ubyte"), [count], source.Labels[..count].Select(l => (byte)l).ToArray(), gzip: false);
        }
        return DatasetCatalog.Load(new DataOptions { Dataset = "idx", DataDir = dir.Path, ValidationSize = 300 });
    }

    [Fact]
    public void TheSearchFineTunesTheFrontsCheapestCandidatesAndReturnsTheCheapestThatMeetsTheFloor()
    {
        using var dir = new TempDirectory();
        var data = Slice(dir);
        // A model that has learnt something, so that pruning costs accuracy and fine-tuning wins some back.
        using (var graph = ModelZoo.Create("lenet5", data.InputShape, 10, seed: 1))
        {
            Trainer.Train(graph, data, new TrainOptions { Epochs = 3, BatchSize = 50, LearningRate = 0.05 });
            ModelFile.Save(new Model(graph, new ModelInfo { NumClasses = 10, Normalization = data.Normalization, Training = [Trainer.Record("train", data, new TrainOptions(), [new EpochResult(1, 0, 0, 0, 0)], 0, "test")] }), dir.File("m.ascai"));
        }
        var summary = SearchRunner.Start(new SearchConfig
        {
            Model = dir.File("m.ascai"), MaxDrop = 2, Data = new DataOptions { Dataset = "idx", DataDir = dir.Path, ValidationSize = 300 },
            Evaluation = new EvaluationSpec { Fill = PrunedChannelFill.Zero, Importance = ImportanceCriterion.L1, ChannelMultiple = 1 }, Confirmation = 0.5, Confidence = null, FineTune = new FineTuneOptions { Epochs = 1, Candidates = 2, Slack = 20 }, Probe = 3,
            Options = new SearchOptions { Population = 4, Generations = 3, Budget = 30, Seed = 1 },
        }, dir.File("run"));
        Assert.NotEmpty(summary.FineTuned);
        Assert.True(summary.FineTuned.Count <= 2);
        Assert.Equal(3, summary.Probe.Count);
        Assert.InRange(summary.ProbeTau!.Value, -1, 1);
        Assert.InRange(summary.ProbeCostTau!.Value, -1, 1);
        Assert.Single(Directory.GetFiles(Path.Combine(dir.File("run"), "finetuned"), $"{summary.FineTuned[0].Index}.ascai", SearchOption.AllDirectories)); // kept for a resume
        // The near misses are tried from the costliest down, and the walk stops at the first that misses the floor.
        Assert.Equal(summary.FineTuned.OrderByDescending(f => f.MacsRatio).Select(f => f.Index), summary.FineTuned.Select(f => f.Index));
        Assert.All(summary.FineTuned.SkipLast(1), f => Assert.True(f.Passed));
        if (summary.Best is { FineTuned: true } best)
        {
            var passed = summary.FineTuned.Last(f => f.Passed);
            Assert.Equal(passed.MacsRatio, best.MacsRatio, 9);
            using var saved = ModelFile.Load(Path.Combine(dir.File("run"), RunStore.BestCompactFile));
            Assert.Equal(best.Macs, CostModel.Profile(saved.Graph).TotalMacs);
        }
        // Resuming trains nothing again: the fine-tuned models are read back.
        var again = SearchRunner.Resume(dir.File("run"));
        Assert.All(again.FineTuned, f => Assert.Equal(0, f.Seconds));
        Assert.Equal(summary.FineTuned.Select(f => f.JudgedOnAccuracy), again.FineTuned.Select(f => f.JudgedOnAccuracy));
    }

    [Fact]
    public void TheProbeTakesCandidatesAtTheReturnedCostSpreadOverWhatTheSearchMeasured()
    {
        // MACs 50..149, search accuracy unrelated to cost; one early-rejected candidate whose accuracy is only a bound.
        var records = Enumerable.Range(0, 100).Select(i => new EvaluationRecord { Index = i, Genome = [i], Macs = 50 + i, ValAccuracy = i * 37 % 100 }).ToList();
        records.Add(new EvaluationRecord { Index = 100, Genome = [100], Macs = 100, ValAccuracy = 99.5, RejectedAfter = 10 });
        var picked = FrontFineTuning.AtCost(records, CostMetric.Macs, cost: 100, count: 5);
        Assert.Equal(5, picked.Count);
        Assert.All(picked, r => Assert.InRange(r.Macs, 90, 110));
        Assert.DoesNotContain(picked, r => r.RejectedAfter is not null);
        var band = records.Where(r => r.Macs is >= 90 and <= 110 && r.RejectedAfter is null).ToList();
        Assert.Equal(band.Min(r => r.ValAccuracy), picked.Min(r => r.ValAccuracy));
        Assert.Equal(band.Max(r => r.ValAccuracy), picked.Max(r => r.ValAccuracy));
        Assert.Equal(picked.OrderBy(r => r.Macs), picked);
        // Fewer than asked within 10% of the cost (21): the band widens until it holds them.
        Assert.Equal(30, FrontFineTuning.AtCost(records, CostMetric.Macs, cost: 100, count: 30).Count);
    }
}
