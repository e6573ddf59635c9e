using Ascai.Search;

namespace Ascai.Tests.Search;

/// <summary>An observer made of the delegates a test sets: the events it cares about, in order.</summary>
internal sealed class EventLog : ISearchObserver
{
    public Action<double[]>? OnTheta { get; init; }
    public Action<int, IReadOnlyList<EvaluationRecord>>? OnGeneration { get; init; }
    public Action<EvaluationRecord>? OnBest { get; init; }
    public Action<double[], EvaluationRecord, int>? OnAlias { get; init; }
    public Action? OnReplayed { get; init; }

    public void ThetaComputed(double[] theta) => OnTheta?.Invoke(theta);
    public void GenerationEvaluated(int generation, IReadOnlyList<EvaluationRecord> population) => OnGeneration?.Invoke(generation, population);
    public void BestImproved(EvaluationRecord best) => OnBest?.Invoke(best);
    public void Aliased(double[] genome, EvaluationRecord known, int generation) => OnAlias?.Invoke(genome, known, generation);
    public void Replayed() => OnReplayed?.Invoke();
}
