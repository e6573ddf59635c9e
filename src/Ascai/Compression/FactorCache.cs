using System.Collections.Concurrent;
using static TorchSharp.torch;

namespace Ascai.Compression;

/// <summary>
/// Full factorisations of a model's layer weights (the SVD of a matrix, the left singular vectors of a kernel's
/// channel unfoldings), computed once per layer and then only sliced per rank: a search asks for the same layer
/// at many ranks, and the decomposition is the expensive part. Entries are keyed by layer, kind and a fingerprint
/// of the weight (shape, sum, sum of squares), so a weight that changed is factorised afresh rather than served
/// stale. Thread-safe; the cached tensors live until the cache is disposed (the evaluator that holds it disposes it).
/// </summary>
public sealed class FactorCache : IDisposable
{
    private readonly ConcurrentDictionary<(string Layer, string Kind), Lazy<Entry>> _entries = new();
    private int _requests, _misses;

    private sealed record Entry(double[] Fingerprint, Tensor[] Factors);

    /// <summary>Requests served from the cache.</summary>
    public int Hits => _requests - _misses;

    /// <summary>Requests that had to factorise.</summary>
    public int Misses => _misses;

    /// <summary>
    /// The factors of <paramref name="weight"/> by <paramref name="factorize"/>, from the cache when this layer's
    /// weight was factorised the same way before. The returned tensors belong to the cache: do not dispose them.
    /// </summary>
    public Tensor[] GetOrAdd(string layer, string kind, Tensor weight, Func<Tensor, Tensor[]> factorize)
    {
        Interlocked.Increment(ref _requests);
        var fingerprint = Fingerprint(weight);
        while (true)
        {
            var lazy = _entries.GetOrAdd((layer, kind), _ => new Lazy<Entry>(() => Compute(weight, fingerprint, factorize)));
            if (lazy.Value.Fingerprint.SequenceEqual(fingerprint)) return lazy.Value.Factors;
            // Another weight under the same name (another model): drop the stale entry and factorise this one.
            _entries.TryRemove(KeyValuePair.Create((layer, kind), lazy));
        }
    }

    /// <summary>Layers (and kinds) whose factors are held.</summary>
    public int Count => _entries.Count;

    /// <summary>Frees the cached factors (what <see cref="GetOrAdd"/> returned is then invalid) and empties the cache.</summary>
    public void Dispose()
    {
        foreach (var lazy in _entries.Values)
            if (lazy.IsValueCreated)
                foreach (var factor in lazy.Value.Factors) factor.Dispose();
        _entries.Clear();
    }

    private Entry Compute(Tensor weight, double[] fingerprint, Func<Tensor, Tensor[]> factorize)
    {
        Interlocked.Increment(ref _misses);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var factors = factorize(weight.detach()).Select(f => f.DetachFromDisposeScope()).ToArray();
        return new Entry(fingerprint, factors);
    }

    private static double[] Fingerprint(Tensor weight)
    {
        using var scope = NewDisposeScope();
        using var w = weight.detach().to_type(ScalarType.Float64);
        return [.. weight.shape.Select(d => (double)d), w.sum().item<double>(), w.square().sum().item<double>()];
    }
}
