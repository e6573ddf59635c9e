namespace Ascai.Distributed;

/// <summary>One candidate to evaluate: the job it belongs to, the genome and its journal key.</summary>
public sealed record EvaluationTask(string Job, string Key, double[] Genome);

/// <summary>
/// What a worker measured for a task (or why it could not): published on the job's result subject. The search
/// takes the first outcome of each key; a redelivered task's second outcome is ignored. <see cref="Error"/> is a
/// worker that could not evaluate (the search stops); <see cref="Failure"/> a candidate that evaluated to NaN or
/// infinity (recorded as failed, the search goes on).
/// </summary>
public sealed record EvaluationOutcome(string Job, string Key, double ValAccuracy, long Macs, long Params, string Worker, double Seconds, string? Error = null,
    string? Failure = null)
{
    /// <summary>Images scored, and the comparison with the base model on them (<see cref="Evaluation.CandidateResult"/>).</summary>
    public int Images { get; init; }
    /// <summary>Images the candidate gets wrong that the base model gets right.</summary>
    public int? Worse { get; init; }
    /// <summary>Images the candidate gets right that the base model gets wrong.</summary>
    public int? Better { get; init; }
    /// <summary>Bit-operations per image (null: its MACs, every layer float32).</summary>
    public long? Bops { get; init; }
    /// <summary>Predicted latency (ms; null: not priced in latency).</summary>
    public double? Latency { get; init; }
    /// <summary>Images scored before it was rejected (null: all).</summary>
    public int? RejectedAfter { get; init; }
    /// <summary>The worker's build of Ascai (<see cref="EvaluationJob.Build"/>).</summary>
    public string Build { get; init; } = "";
}

/// <summary>A worker's periodic sign of life: slots, busy slots, evaluations done and their rate.</summary>
public sealed record WorkerHeartbeat(string Worker, int Slots, int Busy, int Evaluated, double PerSecond);
