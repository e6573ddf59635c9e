using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.ObjectStore;

namespace Ascai.Distributed;

/// <summary>
/// The JetStream objects Ascai uses, created on first use by whichever side arrives first:
/// a work-queue stream of tasks that workers pull through one shared durable consumer (a task not acknowledged
/// within <see cref="AckWait"/> goes to another worker; busy workers send progress), a stream of results, and
/// an object store of model, data and job blobs keyed by content hash.
/// </summary>
public static class NatsLayout
{
    /// <summary>Task stream and its subjects (<c>ascai.tasks.JOB</c>).</summary>
    public const string TaskStream = "ASCAI_TASKS", TaskSubjects = "ascai.tasks.>";
    /// <summary>Result stream and its subjects (<c>ascai.results.JOB</c>).</summary>
    public const string ResultStream = "ASCAI_RESULTS", ResultSubjects = "ascai.results.>";
    /// <summary>The workers' shared pull consumer.</summary>
    public const string WorkerConsumer = "ascai-workers";
    /// <summary>Object store bucket of blobs.</summary>
    public const string BlobBucket = "ascai-blobs";
    /// <summary>Core NATS subject of worker heartbeats.</summary>
    public const string HeartbeatSubject = "ascai.workers.heartbeat";

    /// <summary>How long a task may go without an acknowledgement or progress before it is redelivered.</summary>
    public static readonly TimeSpan AckWait = TimeSpan.FromSeconds(10);

    /// <summary>Task subject of a job.</summary>
    public static string TaskSubject(string job) => $"ascai.tasks.{job}";
    /// <summary>Result subject of a job.</summary>
    public static string ResultSubject(string job) => $"ascai.results.{job}";

    /// <summary>Creates (or finds) the streams, the consumer and the bucket.</summary>
    public static async Task<(INatsJSContext JetStream, INatsJSConsumer Tasks, INatsObjStore Blobs)> EnsureAsync(NatsConnection connection, CancellationToken cancel)
    {
        var js = new NatsJSContext(connection);
        try
        {
            await js.CreateOrUpdateStreamAsync(new StreamConfig(TaskStream, [TaskSubjects]) { Retention = StreamConfigRetention.Workqueue }, cancel);
            await js.CreateOrUpdateStreamAsync(new StreamConfig(ResultStream, [ResultSubjects]) { MaxAge = TimeSpan.FromDays(7) }, cancel);
            var consumer = await js.CreateOrUpdateConsumerAsync(TaskStream, new ConsumerConfig(WorkerConsumer)
            {
                AckPolicy = ConsumerConfigAckPolicy.Explicit, AckWait = AckWait, MaxAckPending = 10_000,
            }, cancel);
            var blobs = await new NatsObjContext(js).CreateObjectStoreAsync(new NatsObjConfig(BlobBucket), cancel);
            return (js, consumer, blobs);
        }
        catch (NatsJSApiException e) when (e.Error.Code == 503)
        {
            throw new AscaiException($"the NATS server has no JetStream (start it with: nats-server -js): {e.Error.Description}");
        }
    }
}
