using System.Security.Cryptography;
using System.Text;
using Ascai.Evaluation;

namespace Ascai.Search;

/// <summary>
/// What a search believes of results evaluated elsewhere (remote workers). Each is checked against what this machine
/// computes without a forward pass (<see cref="CandidateEvaluator.Check"/>), and a share of them
/// (<see cref="IEvaluationBackend.VerifyShare"/>, chosen by the candidate's key, so the same on a resume) is evaluated
/// again here and compared. A worker with a result refused or contradicted is no longer believed: from then on its
/// results are replaced by this machine's own evaluation, and a warning says so once. A peer that lies can slow a search
/// down, not change what it returns.
/// </summary>
public sealed class WorkerTrust(CandidateEvaluator local, double share, Action<string> warn)
{
    private readonly HashSet<string> _distrusted = [];
    private readonly Lock _lock = new();        // the sets and counts
    private readonly Lock _evaluating = new();  // this machine's evaluations, one at a time (they use its threads)

    /// <summary>Results evaluated again here and found to agree.</summary>
    public int Verified { get; private set; }
    /// <summary>Results replaced by this machine's own evaluation (refused, contradicted, or from a worker no longer believed).</summary>
    public int Replaced { get; private set; }

    /// <summary>The result to record for <paramref name="genome"/>, given <paramref name="result"/> from <paramref name="source"/>.</summary>
    public CandidateResult Believe(double[] genome, CandidateResult result, string source, CancellationToken cancel = default)
    {
        bool distrusted;
        lock (_lock) distrusted = _distrusted.Contains(source);
        if (distrusted) return Own(genome, cancel);
        try { local.Check(genome, result, source); }
        catch (AscaiException e) { return Distrust(source, e.Message, genome, cancel); }
        if (!Sampled(genome)) return result;
        var own = Evaluate(genome, cancel);
        if (Disagreement(result, own) is { } why)
        {
            lock (_lock) Replaced++;
            return Distrust(source, $"{source} disagrees with this machine on a candidate: {why}", genome, cancel, own);
        }
        lock (_lock) Verified++;
        return result;
    }

    /// <summary>The closing line on what was checked, or null when nothing was evaluated again.</summary>
    public string? Summary()
    {
        lock (_lock)
            return Verified + Replaced == 0 ? null
                : $"{Verified} worker result(s) evaluated again on this machine agreed; {Replaced} were replaced by its own evaluation" +
                  (_distrusted.Count > 0 ? $" (not believed: {string.Join(", ", _distrusted.Order())})" : "");
    }

    private CandidateResult Distrust(string source, string why, double[] genome, CancellationToken cancel, CandidateResult? own = null)
    {
        lock (_lock)
            if (_distrusted.Add(source)) warn($"{why}; its results are no longer believed: the candidates it answers are evaluated on this machine");
        return own ?? Own(genome, cancel);
    }

    private CandidateResult Own(double[] genome, CancellationToken cancel)
    {
        lock (_lock) Replaced++;
        return Evaluate(genome, cancel);
    }

    private CandidateResult Evaluate(double[] genome, CancellationToken cancel)
    {
        lock (_evaluating) return local.Evaluate(genome, cancel);
    }

    // The candidate's share of the key space: a fixed choice of which candidates are verified, whatever their order.
    private bool Sampled(double[] genome)
    {
        if (share <= 0) return false;
        if (share >= 1) return true;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(EvaluationRecord.Key(genome)));
        return BitConverter.ToUInt32(hash, 0) / (double)uint.MaxValue < share;
    }

    // Two evaluations of one candidate by the same build on the same images: the same outcome (rejected or not, and the
    // images it gets wrong and right against the original), up to images whose prediction another CPU's rounding may
    // flip (0.2% of them, at least one).
    private static string? Disagreement(CandidateResult theirs, CandidateResult own)
    {
        if ((theirs.Failure is null) != (own.Failure is null)) return $"failure '{theirs.Failure ?? "none"}' where this machine finds '{own.Failure ?? "none"}'";
        if (own.Failure is not null) return null;
        if ((theirs.RejectedAfter is null) != (own.RejectedAfter is null))
            return theirs.RejectedAfter is null ? "scored in full where this machine rejects it" : "rejected where this machine scores it in full";
        int flipped = Math.Abs((theirs.Worse ?? 0) - (own.Worse ?? 0)) + Math.Abs((theirs.Better ?? 0) - (own.Better ?? 0));
        int tolerance = Math.Max(1, own.Images / 500);
        return flipped > tolerance ? $"{theirs.ValAccuracy:F2}% where this machine measures {own.ValAccuracy:F2}%" : null;
    }
}
