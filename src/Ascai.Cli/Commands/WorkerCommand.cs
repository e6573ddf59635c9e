using System.CommandLine;
using Ascai.Distributed;

namespace Ascai.Cli.Commands;

/// <summary><c>ascai worker</c>: evaluates candidates of searches run with <c>--backend nats</c>, one per free slot.</summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var nats = new Option<string>("--nats") { Description = "NATS server URL, e.g. nats://10.0.0.5:4222 (credentials as nats://user:password@host:4222)", Required = true };
        var token = CommonOptions.NatsToken();
        var slots = new Option<int>("--slots") { Description = "candidates evaluated at once; the threads are shared among them", DefaultValueFactory = _ => 1 };
        var cache = new Option<string>("--cache") { Description = "folder for the models and data fetched from the server, by content hash (default: ~/.cache/ascai/blobs)",
            DefaultValueFactory = _ => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "ascai", "blobs") };
        var name = new Option<string>("--name") { Description = "this worker's name in the search's progress display (default: host name-process id)", DefaultValueFactory = _ => $"{Environment.MachineName}-{Environment.ProcessId}" };
        var threads = CommonOptions.Threads();
        var command = new Command("worker", "evaluate candidates for searches on a NATS JetStream server (ascai search --backend nats)") { nats, token, slots, cache, name, threads };
        // Synchronous, so that the worker's first slot evaluates on the main thread.
        command.SetAction((parse, cancel) =>
        {
            int slotCount = parse.GetValue(slots);
            var endpoint = new NatsEndpoint(parse.GetValue(nats)!, parse.GetValue(token));
            endpoint.Validate();
            CommonOptions.ApplyThreads(parse.GetValue(threads), slotCount, "--slots");
            string cacheDir = parse.GetValue(cache)!;
            if (File.Exists(cacheDir)) throw new AscaiException($"--cache {cacheDir} is a file: the worker keeps the blobs it fetches in a folder");
            var worker = new NatsWorker(endpoint, slotCount, cacheDir, parse.GetValue(name)!);
            worker.Run(line => Console.Error.WriteLine(line), cancel);
            return Task.FromResult(0);
        });
        return command;
    }
}
