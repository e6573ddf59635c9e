namespace Ascai.Search;

/// <summary>
/// Listens to a search's events: the run folder keeps its files with one, a caller may watch the search with another.
/// Every method has an empty default, so an observer implements only what it needs. Observers are told in the order
/// events happen, on the thread that commits results; they must not evaluate candidates themselves.
/// </summary>
public interface ISearchObserver
{
    /// <summary>The run knows its floor and its held-out images, before the first candidate: what they can support.</summary>
    void Planned(PromisePlan plan) { }

    /// <summary>A strategy computed the threshold vector (the warm start's per-gene limits).</summary>
    void ThetaComputed(double[] theta) { }

    /// <summary>A strategy with generations had a whole population evaluated.</summary>
    void GenerationEvaluated(int generation, IReadOnlyList<EvaluationRecord> population) { }

    /// <summary>A new best feasible candidate (replayed journal records included).</summary>
    void BestImproved(EvaluationRecord best) { }

    /// <summary>
    /// A genome made a model already evaluated under another genome (<paramref name="known"/>): it cost nothing and no
    /// budget, and the strategy got the known result under its own genome.
    /// </summary>
    void Aliased(double[] genome, EvaluationRecord known, int generation) { }

    /// <summary>The journal of a resumed run has replayed: what is committed from now on is new.</summary>
    void Replayed() { }
}
