namespace Ascai.Evaluation;

/// <summary>
/// Where a candidate evaluator's time went, summed over its evaluations: compressing the model (copy, decompose,
/// mask), building what runs (compacting; for ONNX Runtime also the export and the session), the forward passes
/// over the validation images, and the rest (cost profile, bookkeeping). Thread-safe.
/// </summary>
public sealed class CandidateTimings
{
    private readonly Lock _lock = new();
    private double _compress, _build, _forward, _other;
    private int _count;

    /// <summary>Seconds spent compressing.</summary>
    public double Compress { get { lock (_lock) return _compress; } }
    /// <summary>Seconds spent compacting / exporting / creating sessions.</summary>
    public double Build { get { lock (_lock) return _build; } }
    /// <summary>Seconds spent in forward passes.</summary>
    public double Forward { get { lock (_lock) return _forward; } }
    /// <summary>Seconds spent on everything else.</summary>
    public double Other { get { lock (_lock) return _other; } }
    /// <summary>Evaluations timed.</summary>
    public int Count { get { lock (_lock) return _count; } }
    /// <summary>All the time.</summary>
    public double Total { get { lock (_lock) return _compress + _build + _forward + _other; } }

    /// <summary>Adds one evaluation's split.</summary>
    public void Add(double compress, double build, double forward, double other)
    {
        lock (_lock) { _compress += compress; _build += build; _forward += forward; _other += other; _count++; }
    }
}
