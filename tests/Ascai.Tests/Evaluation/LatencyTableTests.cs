using Ascai.Compression;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Search;
using Ascai.Serialization;

namespace Ascai.Tests.Evaluation;

/// <summary>The per-layer latency table: sums of timed entries, scaled so that the original's prediction is its measurement, kept and reused.</summary>
public class LatencyTableTests
{
    [Fact]
    public void PredictionsAreSumsOfEntriesTimedOnceAndTheFileIsReadBack()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "latency.json");
        using var model = ModelFile.Load(Repository.Model("vgg-small-fashion-mnist.ascai"));
        var table = LatencyTable.Open(model.Graph, batch: 8, threads: 2, path);
        int layers = model.Graph.Nodes.Count(n => n is Ascai.Graph.Nodes.Conv2dNode or Ascai.Graph.Nodes.LinearNode);
        Assert.Equal(layers, table.Entries);
        Assert.Equal(layers, table.Measured);
        // The scale is what the layers alone do not account for: the original's prediction is its measurement.
        var original = table.Predict(model.Graph, new HashSet<string>());
        Assert.Equal(table.Original.One, original.One, 9);
        Assert.Equal(table.Original.Many, original.Many, 9);
        Assert.True(table.Original.Many > table.Original.One, "a batch of 8 takes longer than one image");

        // A candidate's new layer configurations are timed once; asking again times nothing.
        var space = SearchSpace.Build(model.Graph, "ps+q");
        var data = DatasetCatalog.Load("fashion-mnist", null, 100);
        using var evaluator = new CandidateEvaluator(model, data, space, quantization: new Ascai.Quantization.Int8Options { CalibrationImages = 64 }) { Latency = table };
        var genome = space.Identity;
        genome[0] = 0.5;            // conv1 loses half its channels: conv1 and conv2 change
        genome[^1] = 8;             // fc2 in int8
        using var graph = evaluator.Build(genome);
        var int8 = Ascai.Quantization.Int8Quantizer.NodesOf(graph, space.Int8Layers(genome));
        var first = table.Predict(graph, int8);
        // conv1 and conv2 in float32, fc2 in int8 with the conversions of its input and output.
        Assert.Equal(layers + 5, table.Entries);
        Assert.True(first.One > 0 && first.Many > 0, "a prediction is a time");
        Assert.Equal(first, table.Predict(graph, int8));
        Assert.Equal(layers + 5, table.Measured);
        Assert.Equal(first.Many, evaluator.Evaluate(genome).Latency);
        // fc1 and fc2 both int8: fc1's int8 entry and the conversion of its input (that of the tensor between them, which
        // neither runs, is known from fc2).
        genome[^2] = 8;
        var chained = Ascai.Quantization.Int8Quantizer.NodesOf(graph, space.Int8Layers(genome));
        table.Predict(graph, chained);
        Assert.Equal(layers + 7, table.Entries);

        // Read back: nothing timed again, the same predictions.
        var again = LatencyTable.Open(model.Graph, batch: 8, threads: 2, path);
        Assert.Equal(0, again.Measured);
        Assert.Equal(table.Original, again.Original);
        Assert.Equal(first, again.Predict(graph, int8));
        Assert.Equal(0, again.Measured);
        // Another batch is another table.
        Assert.Equal(layers, LatencyTable.Open(model.Graph, batch: 4, threads: 2, path).Measured);
        Assert.Null(table.OriginalInt8);

        // Where candidates may be int8, int8 entries get their own scale: the original is predicted as measured both all
        // float32 and all int8.
        var withInt8 = LatencyTable.Open(model.Graph, batch: 8, threads: 2, int8: true);
        var everyLayer = model.Graph.Nodes.Where(n => n is Ascai.Graph.Nodes.Conv2dNode or Ascai.Graph.Nodes.LinearNode).Select(n => n.Name).ToHashSet();
        Assert.Equal(withInt8.Original.Many, withInt8.Predict(model.Graph, new HashSet<string>()).Many, 9);
        Assert.Equal(withInt8.OriginalInt8!.Value.Many, withInt8.Predict(model.Graph, everyLayer).Many, 9);
        Assert.Equal(withInt8.OriginalInt8!.Value.One, withInt8.Predict(model.Graph, everyLayer).One, 9);
        Assert.Null(withInt8.Calibration);

        // The check times the candidate beside the original and compares it with the table's prediction relative to its original.
        var measured = evaluator.MeasureLatency(graph, space.Int8Layers(genome));
        Assert.Equal(table.Original, measured.TableOriginal);
        Assert.True(measured.Original.Many > 0 && measured.Measured.Many > 0 && measured.Error >= 0);
    }

    [Fact]
    public void NetworksOfTheSearchSpaceFitTheInt8ScalesOnceAndTheFitIsReadBack()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "latency.json");
        using var model = ModelFile.Load(Repository.Model("vgg-small-fashion-mnist.ascai"));
        var space = SearchSpace.Build(model.Graph, "ps+q");
        var data = DatasetCatalog.Load("fashion-mnist", null, 100);
        using var evaluator = new CandidateEvaluator(model, data, space, quantization: new Ascai.Quantization.Int8Options { CalibrationImages = 64 });
        var genomes = new[] { Genome(0.5, int8: true), Genome(0.25, int8: false), Genome(0, int8: true) };
        int drawn = 0;
        IEnumerable<(Ascai.Graph.LayerGraph, IReadOnlySet<string>)> References()
        {
            foreach (var genome in genomes)
            {
                drawn++;
                using var graph = evaluator.Build(genome);
                yield return (graph, Ascai.Quantization.Int8Quantizer.NodesOf(graph, space.Int8Layers(genome)));
            }
        }
        var fitted = LatencyTable.Open(model.Graph, batch: 8, threads: 2, path, int8: true, References);
        // Drawn once to time and fit; once more when the fit missed its networks and its int8 entries were timed again.
        int drawnByFit = drawn;
        Assert.Equal(fitted.Calibration?.FirstTimingError is null ? 3 : 6, drawnByFit);
        Assert.Equal(3, fitted.Calibration!.Networks);
        Assert.True(fitted.Calibration.MedianErrorBefore >= 0 && fitted.Calibration.MedianErrorAfter >= 0);
        using var candidate = evaluator.Build(genomes[0]);
        var int8 = Ascai.Quantization.Int8Quantizer.NodesOf(candidate, space.Int8Layers(genomes[0]));
        var predicted = fitted.Predict(candidate, int8);
        Assert.True(predicted.One > 0 && predicted.Many > 0);
        // Float32 networks are predicted as before the fit: it scales int8 kernels and conversions only.
        Assert.Equal(fitted.PredictFromAnchors(model.Graph, new HashSet<string>()), fitted.Predict(model.Graph, new HashSet<string>()));
        // Read back (a resumed run): the fit is kept, nothing is timed, the references are not drawn.
        var again = LatencyTable.Open(model.Graph, batch: 8, threads: 2, path, int8: true, References);
        Assert.Equal(drawnByFit, drawn);
        Assert.Equal(0, again.Measured);
        Assert.Equal(fitted.Calibration, again.Calibration);
        Assert.Equal(predicted, again.Predict(candidate, int8));
        // A table written without a fit (a run that started so) is read back without one: a resume prices as before.
        string plainPath = Path.Combine(dir.Path, "plain.json");
        LatencyTable.Open(model.Graph, batch: 8, threads: 2, plainPath, int8: true);
        var resumed = LatencyTable.Open(model.Graph, batch: 8, threads: 2, plainPath, int8: true, References);
        Assert.Null(resumed.Calibration);
        Assert.Equal(drawnByFit, drawn);

        // A fit that misses its networks by more than the bound (here any) has the int8 entries it rests on timed again,
        // and keeps the better of the two fits.
        string retimedPath = Path.Combine(dir.Path, "retimed.json");
        var plain = LatencyTable.Open(model.Graph, batch: 8, threads: 2, retimedPath, int8: true);
        int entriesBefore = plain.Entries, measuredBefore = plain.Measured;
        var retimed = plain.Calibrated(model.Graph, References, retimeAbove: 0);
        Assert.Equal(drawnByFit + 6, drawn);
        Assert.True(retimed.Calibration!.FirstTimingError is { } first && retimed.Calibration.MedianErrorAfter <= first);
        // Every entry is timed once when first needed: more timings than new entries means some were timed twice.
        Assert.True(retimed.Measured - measuredBefore > retimed.Entries - entriesBefore);
        Assert.Equal(retimed.Calibration, LatencyTable.Open(model.Graph, batch: 8, threads: 2, retimedPath, int8: true).Calibration);

        double[] Genome(double ratio, bool int8)
        {
            var genome = space.Identity;
            for (int i = 0; i < genome.Length; i++)
                genome[i] = space.Genes[i].Kind == GeneKind.Precision ? (int8 ? 8 : 32) : space.Genes[i].Clip(ratio);
            return genome;
        }
    }

    [Fact]
    public void ConversionsCountOnlyAtBoundariesBetweenPrecisionsAndAResidualAddBetweenInt8LayersIsNone()
    {
        // x -> conv1 -> relu -> conv2 -> (+ relu's output) -> relu -> conv3 -> flatten -> fc, and the same without the add.
        static Ascai.Graph.LayerGraph Network(bool residual)
        {
            var g = new Ascai.Graph.GraphBuilder(new Ascai.Graph.Shape(8, 6, 6));
            string a = g.Relu(g.Conv("input", 8, 3, name: "conv1"));
            string b = g.Conv(a, 8, 3, name: "conv2");
            string c = g.Relu(residual ? g.Sum(b, a) : b);
            return g.Build(g.Linear(g.Flatten(g.Conv(c, 8, 3, name: "conv3")), 4, name: "fc"));
        }
        using var residual = Network(residual: true);
        using var chain = Network(residual: false);
        var table = LatencyTable.Open(chain, batch: 4, threads: 2);
        var all = new HashSet<string> { "conv1", "conv2", "conv3", "fc" };
        // All int8: the add reads two quantised tensors and its output is quantised (conv3 reads it), so it runs in int8 and
        // the only conversions are the network's input and output, as in the chain.
        Assert.Equal(table.Parts(chain, all).Conversions, table.Parts(residual, all).Conversions);
        Assert.True(table.Parts(chain, all).Conversions.Many > 0);
        // conv3 in float32: the add runs in float32, so conv2's output and the tensor conv1 hands to it are converted too.
        var notConv3 = new HashSet<string> { "conv1", "conv2", "fc" };
        Assert.True(table.Parts(residual, notConv3).Conversions.Many > table.Parts(chain, notConv3).Conversions.Many);
    }

    [Theory]
    [InlineData(5, 10, 6, 12, 0)]      // predicted half the original's latency, measured half: no error
    [InlineData(5, 10, 3, 12, 0.5)]    // predicted a quarter, measured a half
    [InlineData(8, 16, 6, 12, 0)]      // the machine ran slower during the check, on both models alike
    public void TheErrorComparesRatiosToTheOriginal(double measured, double original, double predicted, double tableOriginal, double error)
    {
        var check = new LatencyMeasurement(new(0, measured), new(0, predicted), new(0, original), new(0, tableOriginal));
        Assert.Equal(error, check.Error, 12);
    }

    [Fact]
    public void ASearchPricedInLatencyKeepsItsTableAndAResumeReusesIt()
    {
        using var dir = new TempDirectory();
        string runDir = Path.Combine(dir.Path, "run");
        var config = new SearchConfig
        {
            Model = Repository.Model("vgg-small-fashion-mnist.ascai"), MaxDrop = 1, Confirmation = 0, Confidence = null, FineTune = null, Data = new DataOptions { ValidationSize = 200 },
            Evaluation = new EvaluationSpec { Methods = "ps+q", Include = ["conv6", "fc1"], Cost = Ascai.Cost.CostMetric.Latency, LatencyBatch = 8,
                Quantization = new Ascai.Quantization.Int8Options { CalibrationImages = 64 } },
            Options = new SearchOptions { Population = 4, Generations = 1, Budget = 20, Seed = 2 },
        };
        var summary = SearchRunner.Start(config, runDir);
        Assert.Equal("latency", summary.Cost);
        string table = Path.Combine(runDir, RunStore.LatencyFile);
        byte[] written = File.ReadAllBytes(table);
        var journal = Journal.Read(Path.Combine(runDir, RunStore.JournalFile));
        Assert.All(journal.Where(r => r.Failure is null), r => Assert.True(r.Latency > 0));
        Assert.NotNull(summary.Latency);
        Assert.Equal(8, summary.Latency!.Batch);
        Assert.True(summary.Latency.Models >= 1 && summary.Latency.MaxError >= summary.Latency.MedianError);
        Assert.Equal(summary.Baseline.Latency, summary.Baseline.MeasuredLatency);
        Assert.NotNull(summary.Best?.MeasuredLatency);
        // Resumed: the same records, the table read back and not timed again (timings would differ in every digit).
        var resumed = SearchRunner.Resume(runDir);
        Assert.Equal(written, File.ReadAllBytes(table));
        Assert.Equal(summary.Best!.Genome, resumed.Best!.Genome);
        Assert.Equal(summary.Baseline.Latency, resumed.Baseline.Latency);
    }
}
