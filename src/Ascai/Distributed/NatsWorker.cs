using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Ascai.Compression;
using Ascai.Evaluation;
using Ascai.Serialization;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.ObjectStore;

namespace Ascai.Distributed;

/// <summary>
/// A worker: each slot pulls a task from the shared work queue (and the next one while it evaluates), evaluates it
/// with the local engine (an evaluator per job, built from blobs fetched once and cached on disk by hash), publishes
/// the outcome and acknowledges (while it evaluates the next). While a task is held it sends progress, so a long
/// evaluation is not redelivered; when stopped it gives its held tasks back to the queue (nak) instead of waiting
/// for the redelivery timeout.
/// </summary>
public sealed class NatsWorker(NatsEndpoint endpoint, int slots, string cacheDir, string name)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<CandidateEvaluator>>> _evaluators = new();
    private readonly Stopwatch _clock = new();
    private int _busy, _evaluated;

    /// <summary>Evaluations finished.</summary>
    public int Evaluated => _evaluated;

    /// <summary>
    /// Runs until <paramref name="cancel"/> fires; <paramref name="log"/> gets one line per event. The first slot runs
    /// on the calling thread (call it from the process's main thread), the others on dedicated threads.
    /// </summary>
    public void Run(Action<string> log, CancellationToken cancel)
    {
        if (slots < 1) throw new SettingException(nameof(slots), $"must be at least 1, got {slots}");
        var connection = endpoint.ConnectAsync($"ascai-worker-{name}", cancel).GetAwaiter().GetResult();
        try
        {
            var (js, tasks, blobs) = NatsLayout.EnsureAsync(connection, cancel).GetAwaiter().GetResult();
            log($"worker {name}: connected to {endpoint.Url}, {slots} slot(s), waiting for tasks");
            var heartbeat = Heartbeats(connection, cancel);
            // One thread per slot, blocking on the network: every evaluation of a slot runs on the same thread, so
            // libtorch's per-thread set-up (OpenMP team, thread count) happens once, not per task. Measured: libtorch
            // runs the same candidates 1.3-2x slower on a fresh thread than on the main thread, hence slot 0 here.
            var others = Enumerable.Range(1, slots - 1).Select(_ => Task.Factory.StartNew(() => Slot(js, tasks, blobs, log, cancel), TaskCreationOptions.LongRunning)).ToArray();
            Slot(js, tasks, blobs, log, cancel);
            try { Task.WaitAll(others); } catch (AggregateException e) when (e.InnerExceptions.All(x => x is OperationCanceledException)) { }
            try { heartbeat.GetAwaiter().GetResult(); } catch (OperationCanceledException) { }
        }
        finally { connection.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
        log($"worker {name}: stopped after {_evaluated} evaluation(s)");
    }

    private void Slot(INatsJSContext js, INatsJSConsumer tasks, INatsObjStore blobs, Action<string> log, CancellationToken cancel)
    {
        // Pipelined: the next task is pulled while this one is evaluated, and a result is published and acknowledged
        // while the next one is evaluated, so the slot does not wait on the network between tasks.
        var next = Pull(tasks, cancel);
        Task? delivering = null;
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                HeldTask? held;
                try { held = next.GetAwaiter().GetResult(); }
                catch (OperationCanceledException) { return; }
                next = Pull(tasks, cancel); // the one after, while this one is evaluated
                if (held is null) continue;
                if (Parse(held.Msg.Data!) is not { } task)
                {
                    // A poison message: never evaluated, never redelivered, said once.
                    log($"worker {name}: dropped a task message that is not a task of Ascai ({held.Msg.Data!.Length} bytes)");
                    held.Terminate();
                    continue;
                }
                Interlocked.Increment(ref _busy);
                _clock.Start();
                EvaluationOutcome outcome;
                try
                {
                    var clock = Stopwatch.StartNew();
                    var evaluator = _evaluators.GetOrAdd(task.Job, job => new Lazy<Task<CandidateEvaluator>>(() => Load(job, blobs, log, cancel))).Value.GetAwaiter().GetResult();
                    var result = evaluator.Evaluate(task.Genome, cancel);
                    outcome = new EvaluationOutcome(task.Job, task.Key, result.ValAccuracy, result.Macs, result.Params, name, clock.Elapsed.TotalSeconds, Failure: result.Failure)
                    {
                        Images = result.Images, Worse = result.Worse, Better = result.Better, RejectedAfter = result.RejectedAfter, Bops = result.Bops, Latency = result.Latency,
                        Build = EvaluationJob.Build,
                    };
                }
                catch (OperationCanceledException)
                {
                    held.GiveBack(); // back to the queue for another worker
                    Interlocked.Decrement(ref _busy);
                    return;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Whatever failed (a job's blobs, a model that does not build), the worker lives on and says what:
                    // a slot that died here would leave its tasks to time out, and the search waiting.
                    string error = e is AscaiException ? e.Message : $"{e.GetType().Name}: {e.Message.Split('\n')[0]}";
                    outcome = new EvaluationOutcome(task.Job, task.Key, 0, 0, 0, name, 0, error) { Build = EvaluationJob.Build };
                    _evaluators.TryRemove(task.Job, out _);
                }
                held.StopProgress();
                delivering?.GetAwaiter().GetResult(); // results leave in order
                delivering = Deliver(js, held.Msg, outcome);
                Interlocked.Decrement(ref _busy);
                if (outcome.Error is not null) log($"worker {name}: task of job {task.Job} failed: {outcome.Error}");
            }
        }
        finally
        {
            delivering?.GetAwaiter().GetResult();
            // A task pulled ahead but not started goes back to the queue at once, not after the ack wait.
            if (next.IsCompletedSuccessfully && next.Result is { } unstarted) unstarted.GiveBack();
        }
    }

    /// <summary>A task message, or null for one that is not JSON, not a task, or names a job no coordinator could have made.</summary>
    internal static EvaluationTask? Parse(byte[] data)
    {
        EvaluationTask? task;
        try { task = JsonSerializer.Deserialize<EvaluationTask>(data, Json.Options); }
        catch (JsonException) { return null; }
        return task is { Job: { } job, Key: not null, Genome: { } genome } && EvaluationJob.IsHex(job, EvaluationJob.IdLength) && genome.All(double.IsFinite) ? task : null;
    }

    /// <summary>The next task, held (its progress sent) from the moment it arrives; null when none came in 5 s.</summary>
    private static async Task<HeldTask?> Pull(INatsJSConsumer tasks, CancellationToken cancel)
    {
        var msg = await tasks.NextAsync<byte[]>(opts: new NatsJSNextOpts { Expires = TimeSpan.FromSeconds(5) }, cancellationToken: cancel);
        return msg?.Data is null ? null : new HeldTask(msg);
    }

    /// <summary>Publishes a result, then acknowledges its task (never the other way: a lost result would lose the task).</summary>
    private async Task Deliver(INatsJSContext js, INatsJSMsg<byte[]> msg, EvaluationOutcome outcome)
    {
        await js.PublishAsync(NatsLayout.ResultSubject(outcome.Job), JsonSerializer.SerializeToUtf8Bytes(outcome, Json.Options), cancellationToken: CancellationToken.None);
        await msg.AckAsync(cancellationToken: CancellationToken.None);
        Interlocked.Increment(ref _evaluated);
    }

    /// <summary>A pulled task whose progress is sent well inside the ack wait, so it is not handed to another worker.</summary>
    private sealed class HeldTask
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _keepAlive;

        public HeldTask(INatsJSMsg<byte[]> msg) => (Msg, _keepAlive) = (msg, KeepAlive(msg, _stop.Token));

        public INatsJSMsg<byte[]> Msg { get; }

        public void StopProgress()
        {
            _stop.Cancel();
            try { _keepAlive.GetAwaiter().GetResult(); } catch (OperationCanceledException) { }
            _stop.Dispose();
        }

        public void GiveBack()
        {
            StopProgress();
            Block(Msg.NakAsync(cancellationToken: CancellationToken.None));
        }

        /// <summary>Ends the message's deliveries: no worker is handed it again.</summary>
        public void Terminate()
        {
            StopProgress();
            Block(Msg.AckTerminateAsync(cancellationToken: CancellationToken.None));
        }

        private static async Task KeepAlive(INatsJSMsg<byte[]> msg, CancellationToken stop)
        {
            while (true)
            {
                await Task.Delay(NatsLayout.AckWait / 3, stop);
                await msg.AckProgressAsync(cancellationToken: stop);
            }
        }
    }

    private static void Block(ValueTask task) => task.AsTask().GetAwaiter().GetResult();

    private async Task Heartbeats(NatsConnection connection, CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested)
        {
            double rate = _clock.Elapsed.TotalSeconds > 0 ? _evaluated / _clock.Elapsed.TotalSeconds : 0;
            var beat = new WorkerHeartbeat(name, slots, _busy, _evaluated, rate);
            await connection.PublishAsync(NatsLayout.HeartbeatSubject, JsonSerializer.SerializeToUtf8Bytes(beat, Json.Options), cancellationToken: cancel);
            await Task.Delay(TimeSpan.FromSeconds(2), cancel);
        }
    }

    /// <summary>The evaluator of a job: its blobs from the disk cache or the store, each checked against its hash.</summary>
    private async Task<CandidateEvaluator> Load(string jobId, INatsObjStore blobs, Action<string> log, CancellationToken cancel)
    {
        // The job id was checked as 16 hex digits (Parse): it names a file of the cache and nothing outside it. The
        // description is checked against it before it is cached, and every name in it before it names a file.
        var jobBytes = await Fetch(blobs, $"job-{jobId}", jobId, $"job-{jobId}.json", cancel);
        EvaluationJob job;
        try { job = JsonSerializer.Deserialize<EvaluationJob>(jobBytes, Json.Options) ?? throw new AscaiException($"job {jobId}: empty description"); }
        catch (JsonException e) { throw new AscaiException($"job {jobId}: not a job description ({e.Message.Split('\n')[0]})"); }
        job.CheckNames();
        if (job.Id != jobId) throw new AscaiException($"job {jobId}: its description hashes to {job.Id}");
        // The model keeps its extension in the cache: the loader reads .ascai and .onnx differently.
        string modelPath = Path.Combine(cacheDir, $"model-{job.ModelHash}{job.ModelExtension}");
        await Fetch(blobs, $"model-{job.ModelHash}", job.ModelHash, Path.GetFileName(modelPath), cancel);
        var dataBytes = await Fetch(blobs, $"data-{job.DataHash}", job.DataHash, $"data-{job.DataHash}.bin", cancel);
        var model = ModelFile.Load(modelPath);
        model.Info = model.Info with { Normalization = job.Normalization };
        var data = ValidationImages.Unpack(dataBytes, $"data-{job.DataHash}", job.Normalization);
        var space = job.Evaluation.Space(model.Graph);
        var evaluator = job.Evaluation.Evaluator(model, data, space);
        evaluator.RejectBelow = job.RejectBelow;
        log($"worker {name}: job {jobId} ready ({Path.GetFileName(modelPath)}, {data.ValidationIndices.Length} validation images, {job.Evaluation.Methods})");
        return evaluator;
    }

    /// <summary>
    /// A blob from the disk cache (file <paramref name="file"/>), else from the store (then cached); its SHA-256 must
    /// start with <paramref name="hash"/> (a whole hash, or a job id's 16 digits) before it is cached or used.
    /// </summary>
    private async Task<byte[]> Fetch(INatsObjStore blobs, string key, string hash, string file, CancellationToken cancel)
    {
        if (Path.GetFileName(file) != file || file.Contains("..")) throw new AscaiException($"blob {EvaluationJob.Shown(key)}: not a file name of the cache");
        Directory.CreateDirectory(cacheDir);
        string path = Path.Combine(cacheDir, file);
        bool cached = File.Exists(path);
        byte[] bytes;
        if (cached) bytes = await File.ReadAllBytesAsync(path, cancel);
        else
        {
            try { bytes = await blobs.GetBytesAsync(key, cancel); }
            catch (NatsObjNotFoundException) { throw new AscaiException($"blob {key} is not in the store"); }
        }
        if (!EvaluationJob.Hash(bytes).StartsWith(hash, StringComparison.Ordinal))
            throw new AscaiException($"blob {key}: content hash {EvaluationJob.Hash(bytes)[..16]}... does not match the job's {hash[..16]}...{(cached ? $" (corrupt cache file {path}?)" : "")}");
        if (!cached) AtomicFile.WriteBytes(path, bytes);
        return bytes;
    }
}
