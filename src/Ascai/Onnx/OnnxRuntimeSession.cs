using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = TorchSharp.torch.Tensor;
using static TorchSharp.torch;

namespace Ascai.Onnx;

/// <summary>An ONNX model loaded in ONNX Runtime (CPU), run on TorchSharp tensors: for checking exports and measuring latency.</summary>
public sealed class OnnxRuntimeSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _input;
    private readonly string[] _outputs;
    private static readonly RunOptions RunOptions = new();

    /// <summary>
    /// Loads ONNX bytes with full graph optimisation on <paramref name="threads"/> intra-op threads (0 = ONNX Runtime's
    /// choice). <paramref name="spin"/> false stops idle threads from busy-waiting after each run: right when other
    /// work (the next candidate's compression) follows on the same cores, wrong for latency measurements.
    /// </summary>
    public OnnxRuntimeSession(byte[] model, int threads = 0, bool optimize = true, bool spin = true)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = optimize ? GraphOptimizationLevel.ORT_ENABLE_ALL : GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = threads,
        };
        if (!spin) options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        try { _session = new InferenceSession(model, options); }
        catch (OnnxRuntimeException e) { throw new AscaiException($"ONNX Runtime refused the model: {e.Message.Split('\n')[0]}"); }
        _input = _session.InputMetadata.Keys.First();
        _outputs = [_session.OutputMetadata.Keys.First()];
    }

    /// <summary>
    /// How many nodes of each op type ONNX Runtime runs for <paramref name="model"/> after its graph optimisations
    /// (e.g. whether a QDQ model's convolutions became int8 <c>QLinearConv</c> kernels).
    /// </summary>
    public static Dictionary<string, int> OptimizedOperators(byte[] model)
    {
        string path = Path.Combine(Path.GetTempPath(), $"ascai-optimized-{Environment.ProcessId}-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, OptimizedModelFilePath = path })
            using (new InferenceSession(model, options)) { }
            return Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Node.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
        }
        finally { File.Delete(path); }
    }

    /// <summary>Runs a float32 batch and returns the first output as a tensor.</summary>
    public Tensor Run(Tensor input)
    {
        using var contiguous = Contiguous(input);
        using var value = View(contiguous);
        using var results = _session.Run(RunOptions, [_input], [value], _outputs);
        var output = results[0];
        var shape = output.GetTensorTypeAndShape().Shape;
        return tensor(output.GetTensorDataAsSpan<float>().ToArray(), shape);
    }

    /// <summary>One run of <paramref name="input"/>, prepared once and run as often as asked (for timing runs one at a time); dispose it.</summary>
    public PreparedRun Prepare(Tensor input) => new(this, Contiguous(input));

    /// <summary>A run of one input whose ONNX Runtime value is made once (<see cref="Prepare"/>).</summary>
    public sealed class PreparedRun : IDisposable
    {
        private readonly OnnxRuntimeSession _owner;
        private readonly Tensor _input;
        private readonly OrtValue _value;

        internal PreparedRun(OnnxRuntimeSession owner, Tensor input) => (_owner, _input, _value) = (owner, input, View(input));

        /// <summary>Runs it once; the output is discarded.</summary>
        public void Run()
        {
            using (_owner._session.Run(RunOptions, [_owner._input], [_value], _owner._outputs)) { }
        }

        /// <inheritdoc/>
        public void Dispose()
        {
            _value.Dispose();
            _input.Dispose();
        }
    }

    /// <summary>Median milliseconds of one run of <paramref name="input"/> over <paramref name="repeats"/> runs after <paramref name="warmup"/> untimed ones.</summary>
    public double MedianMilliseconds(Tensor input, int repeats = 15, int warmup = 3)
    {
        using var contiguous = Contiguous(input);
        using var value = View(contiguous);
        return Evaluation.Latency.Median(() => { using (_session.Run(RunOptions, [_input], [value], _outputs)) { } }, repeats, warmup);
    }

    // Float32 and contiguous in host memory: what an ONNX Runtime tensor can read in place.
    private static Tensor Contiguous(Tensor input) => input.detach().to_type(ScalarType.Float32).cpu().contiguous();

    // ONNX Runtime reads the input where libtorch keeps it: a candidate's batch of 250 images is 3 MB that would
    // otherwise be copied to a managed array on every run. The tensor must outlive the value.
    private static unsafe OrtValue View(Tensor contiguous)
    {
        var bytes = contiguous.bytes; // a span over libtorch's memory, not a copy: the pointer outlives the fixed block
        fixed (byte* data = bytes)
            return OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float, contiguous.shape, (IntPtr)data, bytes.Length);
    }

    /// <summary>Releases the session.</summary>
    public void Dispose() => _session.Dispose();
}
