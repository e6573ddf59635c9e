using System.Globalization;
using Ascai.Bench;

// Benchmarks print their figures; they assert nothing. Usage:
//   dotnet run -c Release --project bench/Ascai.Bench -- forward [--images N] [--repeats R]
//   dotnet run -c Release --project bench/Ascai.Bench -- compression [--model FILE] [--repeats R]
Ascai.Runtime.NativeRuntime.Initialize();
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;

string benchmark = args.FirstOrDefault() ?? "forward";
var options = args.Skip(1).Chunk(2).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
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
    default:
        Console.Error.WriteLine($"error: unknown benchmark '{benchmark}' (known: forward, compression)");
        return 2;
}
return 0;
