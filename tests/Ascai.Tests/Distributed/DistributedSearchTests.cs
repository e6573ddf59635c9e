using Ascai.TestSupport;
using Ascai.Distributed;
using Ascai.Search;

namespace Ascai.Tests.Distributed;

/// <summary>
/// A search on a real NATS JetStream server (Debian's nats-server, loopback) with two `ascai worker` processes,
/// one of which is killed with SIGKILL mid-search: the search still ends with every candidate evaluated once and
/// exactly the journal and best result of the in-process search with the same seed.
/// </summary>
public class DistributedSearchTests
{
    private static SearchConfig Config() => new()
    {
        Model = Repository.Model("vgg-small-fashion-mnist.ascai"), MaxDrop = 1, Confirmation = 0, Confidence = null, FineTune = null, Data = new Ascai.Data.DataOptions { ValidationSize = 300 },
        Options = new SearchOptions { Population = 6, Generations = 4, Budget = 30, Seed = 11 },
    };

    [Fact]
    public void SurvivesAKilledWorkerAndMatchesTheInProcessSearch()
    {
        using var dir = new TempDirectory();
        using var server = new NatsServer(NatsServer.FreePort(), dir.File("store"));
        string url = server.Url;
        using var first = Worker(url, "w1", dir.File("cache1"));
        using var second = Worker(url, "w2", dir.File("cache2"));

        string remoteDir = dir.File("remote");
        SearchSummary remote;
        using (var backend = new NatsBackend(new NatsEndpoint(url), inFlight: 8))
        {
            // Kill the first worker as soon as the search has recorded a few candidates: it is then mid-task, and
            // its task must come back to the queue (ack timeout) and be evaluated by the second.
            var killer = Task.Run(() =>
            {
                string journal = Path.Combine(remoteDir, RunStore.JournalFile);
                while (!File.Exists(journal) || File.ReadLines(journal).Count() < 8) Thread.Sleep(100);
                first.Kill();
            });
            remote = SearchRunner.Start(Config(), remoteDir, backend: backend);
            Assert.True(killer.IsCompleted, "the first worker was killed during the search");
        }
        var local = SearchRunner.Start(Config(), dir.File("local"));

        var journal = Journal.Read(Path.Combine(remoteDir, RunStore.JournalFile));
        Assert.Equal(journal.Count, journal.Select(r => EvaluationRecord.Key(r.Genome)).Distinct().Count());
        Assert.Equal(30, journal.Count);
        Assert.Equal(Comparable(Path.Combine(dir.File("local"), RunStore.JournalFile)), journal.Select(Comparable));
        Assert.Equal(local.Best!.Genome, remote.Best!.Genome);
        Assert.Equal(local.Best.ValAccuracy, remote.Best.ValAccuracy);
        Assert.Equal("remote workers", remote.Engine);
    }

    // A search whose workers are all gone neither hangs nor goes silent: the progress says it is waiting, and its time
    // limit ends the evaluation in flight.
    [Fact]
    public void WithNoWorkerTheSearchSaysSoAndStopsAtItsTimeLimit()
    {
        using var dir = new TempDirectory();
        using var server = new NatsServer(NatsServer.FreePort(), dir.File("store"));
        var shown = new System.Collections.Concurrent.ConcurrentQueue<SearchProgress>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        SearchSummary summary;
        using (var backend = new NatsBackend(new NatsEndpoint(server.Url)))
            summary = SearchRunner.Start(Config() with { Options = Config().Options with { TimeLimit = TimeSpan.FromSeconds(12) } }, dir.File("run"),
                new Collect(shown), backend: backend);
        Assert.InRange(clock.Elapsed.TotalSeconds, 12, 90);
        Assert.StartsWith("time limit", summary.StopReason);
        Assert.Equal(0, summary.Evaluations);
        Assert.Null(summary.Best);
        Assert.Contains(shown, p => p.Backend is { } status && status.Contains("no worker connected"));
    }

    [Fact]
    public void AnUnreachableServerIsOneClearError()
    {
        using var backend = new NatsBackend(new NatsEndpoint($"nats://127.0.0.1:{NatsServer.FreePort()}"));
        using var dir = new TempDirectory();
        var error = Assert.Throws<AscaiException>(() => SearchRunner.Start(Config(), dir.File("run"), backend: backend));
        Assert.StartsWith("cannot connect to the NATS server at nats://127.0.0.1:", error.Message);
    }

    private sealed class Collect(System.Collections.Concurrent.ConcurrentQueue<SearchProgress> into) : IProgress<SearchProgress>
    {
        public void Report(SearchProgress value) => into.Enqueue(value);
    }

    private static IEnumerable<string> Comparable(string journal) => Journal.Read(journal).Select(Comparable);

    private static string Comparable(EvaluationRecord r) => $"{r.Index} {EvaluationRecord.Key(r.Genome)} {r.ValAccuracy} {r.Macs} {r.Params} {r.Generation}";

    private static LocalWorker Worker(string url, string name, string cache)
    {
        var worker = new LocalWorker(url, name, cache, threads: 1);
        Thread.Sleep(500);
        Assert.False(worker.HasExited, $"worker {name} exited at once");
        return worker;
    }
}
