using Ascai.TestSupport;
using System.Diagnostics;
using Ascai.Compression;
using Ascai.Data;
using Ascai.Distributed;
using Ascai.Evaluation;
using Ascai.Search;
using Ascai.Serialization;

namespace Ascai.Bench;

/// <summary>
/// The NATS measurements: the same journal genomes evaluated in process and through a local NATS JetStream
/// server by 1 and 2 `ascai worker` processes. One task in flight gives the queue's per-task overhead (latency
/// over the in-process evaluation); many in flight give the throughput of the workers. A fresh server per
/// measurement, so no result is served from an earlier one.
/// </summary>
internal static class NatsBenchmark
{
    public static void Run(string source, int candidates)
    {
        using var search = new RecordedSearch(source);
        var config = search.Config with { Evaluation = search.Config.Evaluation with { Engine = EvaluationEngine.TorchSharp } };
        var genomes = search.Journal.Take(candidates + 1).Select(r => r.Genome).ToList();
        var (warmUp, timed) = (genomes[0], genomes[1..]);
        var (model, data, space) = (search.Model, search.Data, search.Space);
        using var local = config.Evaluation.Evaluator(model, data, space);
        local.Evaluate(warmUp);
        var clock = Stopwatch.StartNew();
        var expected = timed.Select(g => local.Evaluate(g)).ToList();
        double inProcess = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"{source}: {timed.Count} genomes, {data.ValidationIndices.Length} validation images, TorchSharp engine, {Environment.ProcessorCount} cores");
        Console.WriteLine($"in process, 2 threads: {inProcess:F1} s, {inProcess / timed.Count * 1000:F0} ms per candidate");
        Console.WriteLine("| workers x threads | in flight | seconds | candidates/s | ms per candidate | overhead per task vs in process (ms) | of which worker's evaluation (ms) | same results |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var (workers, inFlight) in new[] { (1, 1), (1, 8), (2, 8) })
        {
            using var dir = new TempFolder();
            using var server = new NatsServer(NatsServer.FreePort(), Path.Combine(dir.Path, "store"));
            var processes = Enumerable.Range(0, workers).Select(i => new LocalWorker(server.Url, $"bench-{i}", Path.Combine(dir.Path, $"cache{i}"), Environment.ProcessorCount / workers)).ToList();
            try
            {
                using var backend = new NatsBackend(new NatsEndpoint(server.Url), inFlight);
                var evaluate = backend.Open(config, model, data);
                evaluate(warmUp, CancellationToken.None); // the workers fetch the job and prepare (importance, means)
                var run = new SearchRun(space, new ScoreFunction(ScoreForm.Ascai, 95, 94), local.BaseCost, new SearchOptions(), evaluate) { Workers = inFlight };
                var before = backend.WorkerTime;
                clock.Restart();
                var records = run.Evaluate(timed, 0);
                double seconds = clock.Elapsed.TotalSeconds;
                var after = backend.WorkerTime;
                double workerMs = (after.WorkerSeconds - before.WorkerSeconds) / Math.Max(1, after.Results - before.Results) * 1000;
                bool same = records.Select(r => (r.ValAccuracy, r.Macs)).SequenceEqual(expected.Select(r => (r.ValAccuracy, r.Macs)));
                string overhead = inFlight == 1 ? $"{(seconds - inProcess) / timed.Count * 1000:F1}" : "";
                Console.WriteLine($"| {workers} x {Environment.ProcessorCount / workers} | {inFlight} | {seconds:F1} | {timed.Count / seconds:F2} | {seconds / timed.Count * 1000:F0} | {overhead} | {workerMs:F0} | {(same ? "yes" : "NO")} |");
            }
            finally
            {
                foreach (var worker in processes) worker.Dispose();
            }
        }
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("ascai-bench-").FullName;
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
