using System.Text.Json;
using Ascai.Data;
using Ascai.Distributed;
using Ascai.Evaluation;
using Ascai.Search;
using Ascai.Serialization;
using Ascai.TestSupport;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Ascai.Tests.Distributed;

/// <summary>
/// A peer on the server that answers every task with a lie, and sends poison besides (a task and a result that are not
/// JSON), on a loopback NATS server: the search still returns exactly what the in-process search returns. An absurd lie
/// is refused by the consistency check; a plausible one (an accuracy its own counts agree with) by re-evaluation.
/// </summary>
public class LyingPeerTests
{
    private static SearchConfig Config() => new()
    {
        Model = Repository.Model("vgg-small-fashion-mnist.ascai"), MaxDrop = 1, Confirmation = 0, Confidence = null, FineTune = null, Data = new DataOptions { ValidationSize = 300 },
        Options = new SearchOptions { Population = 6, Generations = 3, Budget = 20, Seed = 5 },
    };

    [Theory]
    [InlineData("absurd", 0.0)]
    [InlineData("plausible", 1.0)]
    public async Task ALyingPeerCannotChangeWhatTheSearchReturns(string lie, double verify)
    {
        using var dir = new TempDirectory();
        using var server = new NatsServer(NatsServer.FreePort(), dir.File("store"));
        using var stop = new CancellationTokenSource();
        var liar = Task.Run(() => Liar(server.Url, lie, stop.Token));
        SearchSummary remote;
        using (var backend = new NatsBackend(new NatsEndpoint(server.Url), inFlight: 4, verifyShare: verify))
            remote = SearchRunner.Start(Config(), dir.File("remote"), backend: backend);
        stop.Cancel();
        await liar.WaitAsync(TimeSpan.FromSeconds(30)); // and throws what the liar met, if anything
        var local = SearchRunner.Start(Config(), dir.File("local"));
        Assert.Equal(Comparable(dir.File("local")), Comparable(dir.File("remote")));
        Assert.Equal(local.Best!.Genome, remote.Best!.Genome);
        Assert.Contains(remote.Warnings, w => w.Contains("worker liar") && w.Contains("no longer believed"));
    }

    private static IEnumerable<string> Comparable(string run) =>
        Journal.Read(Path.Combine(run, RunStore.JournalFile)).Select(r => $"{r.Index} {EvaluationRecord.Key(r.Genome)} {r.ValAccuracy} {r.Macs} {r.Params}");

    // Pulls tasks as a worker does and answers each with a lie; sends a poison task and a poison result first.
    private static async Task Liar(string url, string lie, CancellationToken stop)
    {
        await using var connection = new NatsConnection(new NatsOpts { Url = url, Name = "liar" });
        var (js, tasks, _) = await NatsLayout.EnsureAsync(connection, stop);
        await js.PublishAsync(NatsLayout.TaskSubject("0123456789abcdef"), "poison, not a task"u8.ToArray(), cancellationToken: stop);
        // The plausible liar knows what an honest worker would answer, and moves three images to the right side.
        using var model = ModelFile.Load(Config().Model);
        var data = ModelData.Load(model, Config().Data, null, _ => { });
        using var honest = Config().Evaluation.Evaluator(model, data, Config().Evaluation.Space(model.Graph));
        bool poisoned = false;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var msg = await tasks.NextAsync<byte[]>(opts: new NatsJSNextOpts { Expires = TimeSpan.FromSeconds(1) }, cancellationToken: stop);
                if (msg?.Data is null) continue;
                if (NatsWorker.Parse(msg.Data) is not { } task)
                {
                    await msg.AckTerminateAsync(cancellationToken: stop);
                    continue;
                }
                if (!poisoned)
                {
                    await js.PublishAsync(NatsLayout.ResultSubject(task.Job), "{\"job\": poison"u8.ToArray(), cancellationToken: stop);
                    poisoned = true;
                }
                EvaluationOutcome outcome;
                if (lie == "absurd") outcome = new EvaluationOutcome(task.Job, task.Key, 150, 1, 1, "liar", 0.01) { Images = 300, Worse = 0, Better = 0 };
                else
                {
                    var r = honest.Evaluate(task.Genome, stop);
                    int moved = Math.Min(3, r.Worse ?? 0);
                    outcome = new EvaluationOutcome(task.Job, task.Key, r.ValAccuracy + 100.0 * moved / r.Images, r.Macs, r.Params, "liar", 0.01, Failure: r.Failure)
                    {
                        Images = r.Images, Worse = r.Worse - moved, Better = r.Better, RejectedAfter = r.RejectedAfter, Bops = r.Bops,
                    };
                }
                await js.PublishAsync(NatsLayout.ResultSubject(task.Job), JsonSerializer.SerializeToUtf8Bytes(outcome with { Build = EvaluationJob.Build }, Json.Options), cancellationToken: stop);
                await msg.AckAsync(cancellationToken: stop);
            }
        }
        catch (OperationCanceledException) { }
    }
}
