using System.Globalization;
using Ascai.Bench;

// Benchmarks print their figures; they assert nothing. Usage:
//   dotnet run -c Release --project bench/Ascai.Bench -- forward [--images N] [--repeats R]
//   dotnet run -c Release --project bench/Ascai.Bench -- compression [--model FILE] [--repeats R]
//   dotnet run -c Release --project bench/Ascai.Bench -- replay [--candidates N] [--only "vgg-small ps"] [--per-candidate 1] [--channel-multiple M] [--fills mean,linear]
//   dotnet run -c Release --project bench/Ascai.Bench -- pytorch-loop [--candidates N] [--only resnet20]   (needs Debian's python3-torch, python3-onnx)
//   dotnet run -c Release --project bench/Ascai.Bench -- workers [--run DIR] [--candidates N] [--max-workers W]
//   dotnet run -c Release --project bench/Ascai.Bench -- nats [--run DIR] [--candidates N]
//   dotnet run -c Release --project bench/Ascai.Bench -- memory [--model FILE] [--methods M] [--evaluations N] [--images N] [--engine E]
//   dotnet run -c Release --project bench/Ascai.Bench -- searches RUN_DIR...
//   dotnet run -c Release --project bench/Ascai.Bench -- proxy RUN_DIR [--candidates K] [--bn-images N]
//   dotnet run -c Release --project bench/Ascai.Bench -- onnx-zoo DIR     (DIR from experiments/onnx-zoo.py)
//   dotnet run -c Release --project bench/Ascai.Bench -- latency-table [--networks N] [--batch B]
//   dotnet run -c Release --project bench/Ascai.Bench -- scale DIR [--candidates K] [--images N]   (DIR from experiments/scale.sh)
//   dotnet run -c Release --project bench/Ascai.Bench -- decoding [--images N] [--width W] [--height H] [--resize R] [--crop C]
Ascai.Runtime.NativeRuntime.Initialize();
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;

string benchmark = args.FirstOrDefault() ?? "forward";
// "--name value" pairs wherever they stand, so that positional arguments (a run folder) may come first.
var options = Enumerable.Range(1, Math.Max(0, args.Length - 2)).Where(i => args[i].StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(i => args[i], i => args[i + 1]);
int Option(string name, int fallback) => options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

switch (benchmark)
{
    case "forward":
        ForwardBenchmark.RunBothMallocModes(Option("--images", 1000), Option("--repeats", 5));
        break;
    case "forward-child": // one malloc mode, in a fresh process (mallopt cannot be undone in-process)
        ForwardBenchmark.Measure(Option("--images", 1000), Option("--repeats", 5));
        break;
    case "compression":
        CompressionBenchmark.Run(options.GetValueOrDefault("--model", "models/vgg-small-fashion-mnist.ascai"), Option("--repeats", 5));
        break;
    case "replay":
        ReplayBenchmark.Run(Option("--candidates", 50), options.GetValueOrDefault("--only", ""), Option("--per-candidate", 0) == 1,
            options.ContainsKey("--channel-multiple") ? Option("--channel-multiple", 1) : null,
            options.TryGetValue("--fills", out var fills) ? fills.Split(',').Select(f => Enum.Parse<Ascai.Compression.PrunedChannelFill>(f, ignoreCase: true)).ToList() : null);
        break;
    case "pytorch-loop":
        PyTorchLoopBenchmark.Run(Option("--candidates", 25), options.GetValueOrDefault("--only", ""));
        break;
    case "workers":
        WorkersBenchmark.Run(options.GetValueOrDefault("--run", "docs/results/search/fill-mean/ascai-seed0"), Option("--candidates", 60), Option("--max-workers", 2));
        break;
    case "nats":
        NatsBenchmark.Run(options.GetValueOrDefault("--run", "docs/results/search/fill-mean/ascai-seed0"), Option("--candidates", 40));
        break;
    case "memory":
        MemoryBenchmark.Run(options.GetValueOrDefault("--model", "models/vgg-small-fashion-mnist.ascai"), options.GetValueOrDefault("--methods", "d+ps"),
            Option("--evaluations", 10000), Option("--images", 100), Enum.Parse<Ascai.Evaluation.EvaluationEngine>(options.GetValueOrDefault("--engine", "TorchSharp"), ignoreCase: true));
        break;
    case "decoding":
        DecodingBenchmark.Run(Option("--images", 10000), Option("--width", 128), Option("--height", 96), Option("--resize", 72), Option("--crop", 64));
        break;
    case "latency-table":
        LatencyTableBenchmark.Run(Option("--networks", 16), Option("--batch", 64));
        break;
    case "onnx-zoo":
        OnnxZooBenchmark.Run(args.ElementAtOrDefault(1) ?? throw new ArgumentException("onnx-zoo needs a folder"));
        break;
    case "scale":
        ScaleBenchmark.Run(args.ElementAtOrDefault(1) ?? throw new ArgumentException("scale needs a folder"), Option("--candidates", 9), Option("--images", 500));
        break;
    case "scale-child": // one model, in a fresh process (its peak memory is its own)
        ScaleBenchmark.Child(args[1], Option("--candidates", 9), Option("--images", 500));
        break;
    case "searches":
        SearchTimeBenchmark.Run(args.Skip(1).ToList());
        break;
    case "proxy":
        ProxyBenchmark.Run(args.ElementAtOrDefault(1) ?? throw new ArgumentException("proxy needs a run folder"), Option("--candidates", 8), Option("--bn-images", 1000));
        break;
    default:
        Console.Error.WriteLine($"error: unknown benchmark '{benchmark}' (known: forward, compression, replay, pytorch-loop, workers, nats, memory, decoding, searches, proxy, latency-table, onnx-zoo, scale)");
        return 2;
}
return 0;
