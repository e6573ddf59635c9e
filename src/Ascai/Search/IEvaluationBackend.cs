using Ascai.Data;
using Ascai.Evaluation;
using Ascai.Graph;

namespace Ascai.Search;

/// <summary>
/// Evaluates a search's candidates somewhere other than this process (workers on other machines), behind the
/// same evaluate function the in-process <see cref="CandidateEvaluator"/> offers. The search stays the same: it
/// commits results in order, so the journal does not depend on where or in which order candidates ran.
/// </summary>
public interface IEvaluationBackend : IDisposable
{
    /// <summary>
    /// Ships what evaluating needs (the model, the validation images, the compression options of
    /// <paramref name="config"/>) and returns the evaluate function, safe to call from many threads at once. Every result
    /// received is given to <paramref name="believe"/> (the genome, the result, who sent it), which returns the result to
    /// record: a remote result is believed only once this machine has checked what it can (<see cref="WorkerTrust"/>).
    /// </summary>
    Func<double[], CancellationToken, CandidateResult> Open(SearchConfig config, Model model, DatasetSplits data, AccuracyFloor? rejectBelow = null,
        Func<double[], CandidateResult, string, CandidateResult>? believe = null);

    /// <summary>The share of remote results evaluated again on this machine and compared (0: none; every result is still checked).</summary>
    double VerifyShare => 0;

    /// <summary>How many candidates the search should keep in flight at once.</summary>
    int Concurrency { get; }

    /// <summary>One line on the backend's state for the progress display (workers, throughput), or null.</summary>
    string? Status { get; }
}
