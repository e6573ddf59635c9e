using System.Collections.Concurrent;
using System.Text.Json;
using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Search;
using Ascai.Serialization;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.ObjectStore;

namespace Ascai.Distributed;

/// <summary>
/// The search side of distributed evaluation: puts the model, the validation images and the job in the blob
/// store (once per content), publishes each candidate as a task on the job's work-queue subject, and hands the
/// first result of each candidate back to the waiting search thread. Results stay in the result stream, so a
/// resumed search collects the results of tasks its previous life published instead of evaluating them again.
/// </summary>
public sealed class NatsBackend(NatsEndpoint endpoint, int inFlight = NatsBackend.DefaultInFlight, double verifyShare = 0) : IEvaluationBackend
{
    /// <summary>Candidates queued for the workers at once unless told otherwise.</summary>
    public const int DefaultInFlight = 64;

    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<EvaluationOutcome>> _waiting = new();
    private readonly ConcurrentDictionary<string, EvaluationOutcome> _arrived = new();
    private readonly ConcurrentDictionary<string, (WorkerHeartbeat Beat, DateTime Seen)> _workers = new();
    private NatsConnection? _connection;
    private INatsJSContext? _js;
    private string _job = "";
    private Task? _results, _heartbeats;

    private Func<double[], CandidateResult, string, CandidateResult>? _believe;
    private int _resultCount;
    private double _workerSeconds;

    /// <inheritdoc/>
    public int Concurrency => inFlight;

    /// <inheritdoc/>
    public double VerifyShare => verifyShare;

    /// <summary>Results received so far and the seconds workers reported spending on them (evaluation only, no queue).</summary>
    public (int Results, double WorkerSeconds) WorkerTime
    {
        get { lock (_stop) return (_resultCount, _workerSeconds); }
    }

    /// <inheritdoc/>
    public string? Status
    {
        get
        {
            var live = LiveWorkers().OrderBy(b => b.Worker).ToList();
            if (live.Count == 0) return "waiting: no worker connected (start some with `ascai worker`)";
            return $"{live.Count} worker(s), {live.Sum(b => b.Busy)}/{live.Sum(b => b.Slots)} slots busy, {live.Sum(b => b.PerSecond):F2} eval/s: "
                + string.Join(", ", live.Select(b => $"{b.Worker} {b.PerSecond:F2}/s"));
        }
    }

    /// <inheritdoc/>
    public Func<double[], CancellationToken, CandidateResult> Open(SearchConfig config, Model model, DatasetSplits data, AccuracyFloor? rejectBelow = null,
        Func<double[], CandidateResult, string, CandidateResult>? believe = null)
    {
        if (inFlight < 1) throw new SettingException(nameof(inFlight), $"must be at least 1, got {inFlight}");
        if (!(verifyShare is >= 0 and <= 1)) throw new SettingException(nameof(verifyShare), $"must be a share in [0, 1], got {verifyShare}");
        _believe = believe;
        OpenAsync(config, model, data, rejectBelow).GetAwaiter().GetResult();
        return Evaluate;
    }

    private async Task OpenAsync(SearchConfig config, Model model, DatasetSplits data, AccuracyFloor? rejectBelow)
    {
        _connection = await endpoint.ConnectAsync("ascai-search", _stop.Token);
        var (js, _, blobs) = await NatsLayout.EnsureAsync(_connection, _stop.Token);
        _js = js;
        byte[] modelBytes = await File.ReadAllBytesAsync(config.Model, _stop.Token), dataBytes = ValidationImages.Pack(data);
        var job = EvaluationJob.For(config, model, EvaluationJob.Hash(modelBytes), EvaluationJob.Hash(dataBytes)) with { RejectBelow = rejectBelow };
        _job = job.Id;
        await PutOnce(blobs, $"model-{job.ModelHash}", modelBytes);
        await PutOnce(blobs, $"data-{job.DataHash}", dataBytes);
        await PutOnce(blobs, $"job-{_job}", job.ToJson());
        var results = await js.CreateOrderedConsumerAsync(NatsLayout.ResultStream,
            new NatsJSOrderedConsumerOpts { FilterSubjects = [NatsLayout.ResultSubject(_job)] }, _stop.Token);
        _results = Task.Run(() => CollectResults(results));
        _heartbeats = Task.Run(CollectHeartbeats);
    }

    private async Task PutOnce(INatsObjStore blobs, string key, byte[] bytes)
    {
        try
        {
            var info = await blobs.GetInfoAsync(key, cancellationToken: _stop.Token);
            if (info.Size == (ulong)bytes.Length) return;
        }
        catch (NatsObjNotFoundException) { }
        await blobs.PutAsync(key, bytes, _stop.Token);
    }

    private async Task CollectResults(INatsJSConsumer results)
    {
        try
        {
            await foreach (var msg in results.ConsumeAsync<byte[]>(cancellationToken: _stop.Token))
            {
                if (msg.Data is null) continue;
                EvaluationOutcome? outcome;
                try { outcome = JsonSerializer.Deserialize<EvaluationOutcome>(msg.Data, Json.Options); }
                catch (JsonException) { outcome = null; }
                // A message that is not a result of this job is ignored: its task's own result still comes, or the task is sent again.
                if (outcome is not { Key: not null, Worker: not null } || outcome.Job != _job) continue;
                // The first outcome of a key wins; a redelivered task's second one changes nothing.
                if (!_arrived.TryAdd(outcome.Key, outcome)) continue;
                lock (_stop) (_resultCount, _workerSeconds) = (_resultCount + 1, _workerSeconds + outcome.Seconds);
                if (_waiting.TryRemove(outcome.Key, out var waiter)) waiter.TrySetResult(outcome);
            }
        }
        catch (OperationCanceledException) { }
    }

    private async Task CollectHeartbeats()
    {
        try
        {
            await foreach (var msg in _connection!.SubscribeAsync<byte[]>(NatsLayout.HeartbeatSubject, cancellationToken: _stop.Token))
                if (msg.Data is not null && JsonSerializer.Deserialize<WorkerHeartbeat>(msg.Data, Json.Options) is { } beat)
                    _workers[beat.Worker] = (beat, DateTime.UtcNow);
        }
        catch (OperationCanceledException) { }
    }

    private CandidateResult Evaluate(double[] genome, CancellationToken cancel)
    {
        string key = EvaluationRecord.Key(genome);
        var waiter = _waiting.GetOrAdd(key, _ => new TaskCompletionSource<EvaluationOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (_arrived.TryGetValue(key, out var known)) waiter.TrySetResult(known);
        else Publish(key, genome, 0, cancel);
        // A task can be lost to a search killed mid-flight (held by no worker, yet a duplicate of its previous life's
        // message id, so not queued again): while every live worker is idle and the result has not come, it is published
        // again under a new id. A second evaluation of a candidate is harmless: its first result is the one taken.
        EvaluationOutcome outcome;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                outcome = waiter.Task.WaitAsync(RepublishAfter, cancel).GetAwaiter().GetResult();
                break;
            }
            catch (TimeoutException) when (WorkersIdle()) { Publish(key, genome, attempt, cancel); }
            catch (TimeoutException) { }
        }
        string worker = $"worker {EvaluationJob.Shown(outcome.Worker)}";
        if (outcome.Build != EvaluationJob.Build)
            throw new AscaiException($"{worker} runs another build of Ascai ({EvaluationJob.Shown(outcome.Build)}, this search {EvaluationJob.Build}): run the same build on every machine");
        if (outcome.Error is not null) throw new AscaiException($"{worker}: {outcome.Error}");
        var result = new CandidateResult(outcome.ValAccuracy, outcome.Macs, outcome.Params, outcome.Failure) { Images = outcome.Images, Worse = outcome.Worse, Better = outcome.Better, RejectedAfter = outcome.RejectedAfter, Bops = outcome.Bops, Latency = outcome.Latency };
        return _believe?.Invoke(genome, result, worker) ?? result;
    }

    // A worker is live while its heartbeats (every 2 s) keep coming within this window.
    private static readonly TimeSpan LiveWindow = TimeSpan.FromSeconds(10);

    // How long a candidate waits for its result, with every worker idle, before its task is published again.
    private static readonly TimeSpan RepublishAfter = 2 * NatsLayout.AckWait;

    private void Publish(string key, double[] genome, int attempt, CancellationToken cancel)
    {
        var task = JsonSerializer.SerializeToUtf8Bytes(new EvaluationTask(_job, key, genome), Json.Options);
        // The message id lets JetStream drop a republished duplicate (a resumed search) within its window.
        string id = $"{_job}-{EvaluationJob.KeyId(key)}" + (attempt > 0 ? $"-{attempt}" : "");
        var ack = _js!.PublishAsync(NatsLayout.TaskSubject(_job), task, opts: new NatsJSPubOpts { MsgId = id }, cancellationToken: cancel).AsTask().GetAwaiter().GetResult();
        // A duplicate is the same task published by this search's previous life (a resume within JetStream's window):
        // it is in the stream already, or was taken; its result comes as any other, or it is published again.
        if (!ack.Duplicate) ack.EnsureSuccess();
        if (_arrived.TryGetValue(key, out var known) && _waiting.TryGetValue(key, out var waiter)) waiter.TrySetResult(known);
    }

    // Live workers, none of them busy: nothing they hold can answer a task still waited for.
    private bool WorkersIdle()
    {
        var live = LiveWorkers().ToList();
        return live.Count > 0 && live.All(b => b.Busy == 0);
    }

    // The heartbeats of the workers heard from within the live window.
    private IEnumerable<WorkerHeartbeat> LiveWorkers() => _workers.Values.Where(w => DateTime.UtcNow - w.Seen < LiveWindow).Select(w => w.Beat);

    /// <summary>Stops collecting and closes the connection; tasks still queued stay for a resumed search.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        try { Task.WaitAll([.. new[] { _results, _heartbeats }.OfType<Task>()], TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _connection?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _stop.Dispose();
    }
}
