using System.Diagnostics;
using Ascai.Graph;
using Ascai.Onnx;
using static TorchSharp.torch;

namespace Ascai.Evaluation;

/// <summary>
/// A model to time: its ONNX bytes as a user deploys them (an ONNX file's own bytes, an int8 file's QDQ model, an
/// .ascai model's export) and, for a float model, its graph, which TorchSharp runs.
/// </summary>
/// <param name="Name">What to call it (its file name).</param>
/// <param name="Onnx">The ONNX model ONNX Runtime runs.</param>
/// <param name="Graph">The graph TorchSharp runs, or null (an int8 model runs in ONNX Runtime only).</param>
/// <param name="Input">One input's shape.</param>
public sealed record LatencySubject(string Name, byte[] Onnx, LayerGraph? Graph, Shape Input)
{
    /// <summary>
    /// The model file at <paramref name="path"/> as a user deploys it: an ONNX file's own bytes (int8 or float), an .ascai
    /// model's ONNX export; a float model's graph is loaded too, and added to <paramref name="owned"/> for the caller to dispose.
    /// Also returned: its MACs and parameters.
    /// </summary>
    public static (LatencySubject Subject, long Macs, long Params) Load(string path, ICollection<IDisposable> owned)
    {
        string name = System.IO.Path.GetFileName(path);
        if (Quantization.Int8Model.TryLoad(path) is { } int8) return (new(name, int8.Onnx, null, int8.InputShape), int8.Macs, int8.Params);
        var model = Serialization.ModelFile.Load(path);
        owned.Add(model);
        var profile = Cost.CostModel.Profile(model.Graph);
        byte[] onnx = Serialization.ModelFile.IsOnnx(path) ? File.ReadAllBytes(path) : OnnxExporter.Export(model);
        return (new(name, onnx, model.Graph, model.Graph.InputShape), profile.TotalMacs, profile.TotalParams);
    }
}

/// <summary>
/// One model's latency on one engine (<paramref name="Subject"/> indexes the subjects timed): median milliseconds at batch 1 and at the batch asked for, and its speed-up over
/// the first model on ONNX Runtime (for int8 models, and for ONNX Runtime rows) or on TorchSharp.
/// </summary>
public sealed record MeasuredLatency(int Subject, string Model, string Engine, double One, double Many, double SpeedUpOne, double SpeedUpMany);

/// <summary>
/// Times models beside each other on this machine, the same way wherever a latency is reported (<c>ascai bench</c>, the
/// report): every model gets its session and its warm-up first, then the timed runs go round the models in turn, one
/// run each per round, so that a slow spell of a shared machine slows every model alike; a speed-up is the median over
/// the rounds of the two models' ratio in that round.
/// </summary>
public static class LatencyComparison
{
    /// <summary>The engines, as the rows name them.</summary>
    public const string OnnxRuntime = "ONNX Runtime", TorchSharp = "TorchSharp";

    private const int WarmUpRuns = 10;

    /// <summary>
    /// The latency of every subject at batch 1 and at <paramref name="batch"/>, on ONNX Runtime and (for float subjects,
    /// when <paramref name="torchSharp"/>) on TorchSharp, each the median of <paramref name="rounds"/> runs; the first
    /// subject is the reference. Inputs are random: dense compute does not depend on the values.
    /// </summary>
    public static List<MeasuredLatency> Measure(IReadOnlyList<LatencySubject> subjects, int batch, int rounds = 21, bool torchSharp = true)
    {
        if (subjects.Count == 0) return [];
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "must be at least 1");
        if (rounds < 1) throw new ArgumentOutOfRangeException(nameof(rounds), rounds, "must be at least 1");
        using var scope = NewDisposeScope();
        var runs = new List<(int Subject, string Engine, Action One, Action Many)>();
        var owned = new List<IDisposable>();
        try
        {
            using var quiet = Runtime.NativeStderr.Silence(); // libtorch's NNPACK warning, once per batch-1 conv
            using var inference = inference_mode();
            for (int i = 0; i < subjects.Count; i++)
            {
                var s = subjects[i];
                var session = new OnnxRuntimeSession(s.Onnx, get_num_threads());
                owned.Add(session);
                var one = session.Prepare(randn(s.Input.WithBatch(1)));
                var many = session.Prepare(randn(s.Input.WithBatch(batch)));
                owned.Add(one);
                owned.Add(many);
                runs.Add((i, OnnxRuntime, one.Run, many.Run));
                if (torchSharp && s.Graph is { } graph)
                {
                    var x1 = randn(s.Input.WithBatch(1));
                    var xn = randn(s.Input.WithBatch(batch));
                    runs.Add((i, TorchSharp, () => graph.Forward(x1).Dispose(), () => graph.Forward(xn).Dispose()));
                }
            }
            foreach (var run in runs)
                for (int w = 0; w < WarmUpRuns; w++) { run.One(); run.Many(); }
            var times = runs.Select(_ => (One: new double[rounds], Many: new double[rounds])).ToArray();
            for (int r = 0; r < rounds; r++)
                for (int k = 0; k < runs.Count; k++)
                {
                    times[k].One[r] = Time(runs[k].One);
                    times[k].Many[r] = Time(runs[k].Many);
                }
            var result = new List<MeasuredLatency>();
            for (int k = 0; k < runs.Count; k++)
            {
                var (subject, engine, _, _) = runs[k];
                // Int8 models are priced against the reference's float ONNX Runtime row: what quantisation buys on one runtime.
                int reference = runs.FindIndex(x => x.Subject == 0 && x.Engine == engine);
                var (one, many) = times[k];
                var (refOne, refMany) = reference < 0 ? (one, many) : times[reference];
                result.Add(new MeasuredLatency(subject, subjects[subject].Name, engine, Latency.Median(one), Latency.Median(many),
                    Latency.Median(refOne.Zip(one, (a, b) => a / b)), Latency.Median(refMany.Zip(many, (a, b) => a / b))));
            }
            return result;
        }
        finally
        {
            foreach (var d in Enumerable.Reverse(owned)) d.Dispose();
        }
    }

    private static double Time(Action run)
    {
        var clock = Stopwatch.StartNew();
        run();
        return clock.Elapsed.TotalMilliseconds;
    }
}
