using Ascai.Compression;
using Ascai.Serialization;

namespace Ascai.Search;

/// <summary>
/// Keeps a run folder's event files as the search goes: the threshold vector (<c>theta.json</c>), each generation's
/// population (<c>populations.jsonl</c>) and the genomes that made a model already evaluated (<c>aliases.jsonl</c>, once
/// each, a resumed run's replayed ones included). An extended run's new settings (<paramref name="extended"/>) replace
/// the old ones once the old journal has replayed: from then on the journal holds evaluations only they reproduce.
/// Owns the files it appends to: dispose it.
/// </summary>
public sealed class RunFolderObserver(RunStore store, SearchSpace space, SearchConfig? extended = null) : ISearchObserver, IDisposable
{
    private readonly PopulationLog _populations = store.OpenPopulations();
    private readonly JsonLinesFile<ModelAlias> _aliases = store.OpenAliases();
    private HashSet<string>? _aliased;
    private SearchConfig? _extended = extended;

    /// <inheritdoc/>
    public void ThetaComputed(double[] theta) => store.WriteTheta(space, theta);

    /// <inheritdoc/>
    public void GenerationEvaluated(int generation, IReadOnlyList<EvaluationRecord> population) => _populations.Record(generation, population);

    /// <inheritdoc/>
    public void Aliased(double[] genome, EvaluationRecord known, int generation)
    {
        _aliased ??= _aliases.Existing.Select(a => EvaluationRecord.Key(a.Genome)).ToHashSet();
        if (_aliased.Add(EvaluationRecord.Key(genome))) _aliases.Append(new ModelAlias(known.Index, generation, genome));
    }

    /// <inheritdoc/>
    public void Replayed()
    {
        if (_extended is not null) store.WriteConfig(_extended);
        _extended = null;
    }

    /// <summary>Closes the files.</summary>
    public void Dispose()
    {
        _populations.Dispose();
        _aliases.Dispose();
    }
}
