using System.Diagnostics;
using Ascai.Compression;
using Ascai.Evaluation;

namespace Ascai.Search;

/// <summary>
/// Progress of a search after each evaluation. <paramref name="Leading"/> is the candidate the run would return if it
/// ended now, before confirmation (<see cref="SearchRun.Leading"/>): the cheapest that meets the floor, or under a cost
/// target (<paramref name="Targeted"/>) the most accurate within it.
/// </summary>
public sealed record SearchProgress(int Generation, int Evaluations, int? Budget, EvaluationRecord? Leading, double BaseCost,
    TimeSpan Elapsed, double EvaluationsPerSecond, string Phase, Cost.CostMetric Cost = Ascai.Cost.CostMetric.Macs, string? Backend = null, bool Targeted = false)
{
    /// <summary>The leading candidate's cost relative to the original, in the run's metric, or null.</summary>
    public double? LeadingCostRatio => Leading is { } b ? b.CostIn(Cost) / Math.Max(1, BaseCost) : null;

    /// <summary>After the search, while a candidate is fine-tuned (<see cref="Phase"/> "fine-tuning"): which, and how far.</summary>
    public FineTuneProgress? FineTuning { get; init; }
}

/// <summary>
/// A fine-tuning step after the search: candidate <paramref name="Candidate"/> of at most <paramref name="Candidates"/>
/// (journal index <paramref name="Index"/>, at <paramref name="CostRatio"/> of the original's cost), and its training's progress.
/// </summary>
public sealed record FineTuneProgress(int Candidate, int Candidates, int Index, double CostRatio, Training.TrainProgress Step);

/// <summary>
/// The stateful heart of a search: evaluates genomes for a strategy through the cache and the journal, enforces
/// the budget, time limit and cancellation, and tracks the best feasible individual and the non-dominated
/// (cost, accuracy) set. Identical genomes are evaluated once; a resumed run replays the journal through the
/// same deterministic strategy, so it ends where an uninterrupted run would.
/// </summary>
public sealed class SearchRun
{
    private readonly Func<double[], CancellationToken, CandidateResult> _evaluate;
    private readonly Dictionary<string, EvaluationRecord> _cache = new();
    private readonly Journal? _journal;
    private readonly List<EvaluationRecord> _records = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly IProgress<SearchProgress>? _progress;
    private readonly CancellationToken _cancel;
    private int _replayed;
    private bool _replayReported;

    /// <summary>
    /// Creates a run; <paramref name="evaluate"/> measures a genome (the saving is measured in the space's cost metric
    /// against <paramref name="baseCost"/>).
    /// </summary>
    public SearchRun(SearchSpace space, ScoreFunction score, double baseCost, SearchOptions options,
        Func<double[], CancellationToken, CandidateResult> evaluate,
        Journal? journal = null, IProgress<SearchProgress>? progress = null, CancellationToken cancel = default, AccuracyFloor? floor = null,
        Func<double[], string>? modelKey = null)
    {
        (Space, Score, BaseCost, Options, _evaluate, _journal, _progress, _cancel) = (space, score, baseCost, options, evaluate, journal, progress, cancel);
        Floor = floor ?? new AccuracyFloor(score.BaseAccuracy, score.Threshold);
        _modelKey = modelKey ?? EvaluationRecord.Key;
        foreach (var record in journal?.Existing ?? [])
            _cache.TryAdd(_modelKey(record.Genome), record);
    }

    private readonly Func<double[], string> _modelKey;

    /// <summary>Told the run's events (threshold vector, generations, a better best, aliases, the end of a replay), in order.</summary>
    public IReadOnlyList<ISearchObserver> Observers { get; init; } = [];

    /// <summary>Tells every observer of an event (strategies report their threshold vector and generations through it).</summary>
    public void Notify(Action<ISearchObserver> tell)
    {
        foreach (var observer in Observers) tell(observer);
    }

    /// <summary>The genes.</summary>
    public SearchSpace Space { get; }
    /// <summary>The score.</summary>
    public ScoreFunction Score { get; }
    /// <summary>What feasible means: the point estimate at the threshold, or a confidence bound on the drop.</summary>
    public AccuracyFloor Floor { get; }
    /// <summary>Cost of the uncompressed model, in the space's metric.</summary>
    public double BaseCost { get; }
    /// <summary>The settings.</summary>
    public SearchOptions Options { get; }
    /// <summary>Distinct evaluations so far (replayed from the journal included).</summary>
    public int Evaluations => _records.Count;
    /// <summary>Every distinct evaluation, in order.</summary>
    public IReadOnlyList<EvaluationRecord> Records => _records;
    /// <summary>
    /// The fittest feasible individual so far (highest score among those meeting the floor): the strategies' guide (the
    /// genetic algorithm's stagnation, the polish's start), not what the run returns.
    /// </summary>
    public EvaluationRecord? BestFeasible { get; private set; }
    /// <summary>
    /// The cheapest individual so far that meets the floor (in the space's cost; of equal cost, the more accurate, then the
    /// earlier): what the run returns when nothing is confirmed or fine-tuned after it (<see cref="FeasibleFront"/>'s first).
    /// </summary>
    public EvaluationRecord? CheapestFeasible { get; private set; }

    /// <summary>
    /// The candidate the run would return if it ended now, before confirmation: the cheapest feasible, or under a cost
    /// target (where the score is the accuracy) the fittest feasible, the most accurate within the target.
    /// </summary>
    public EvaluationRecord? Leading => Targeted ? BestFeasible : CheapestFeasible;

    // Under a cost target the question is the most accurate model at a cost, not the cheapest within a drop.
    private bool Targeted => Score.TargetCost is not null;
    /// <summary>Wall-clock time of this process's part of the run.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;
    /// <summary>Why the run stopped, once it has.</summary>
    public string? StopReason { get; private set; }
    /// <summary>Current phase shown in progress ("threshold", "generation").</summary>
    public string Phase { get; set; } = "";

    /// <summary>Whether a budget, the time limit or a cancellation says stop.</summary>
    public bool ShouldStop
    {
        get
        {
            if (StopReason is not null) return true;
            if (_cancel.IsCancellationRequested) StopReason = "interrupted";
            else if (Options.Budget is { } b && Evaluations >= b) StopReason = $"evaluation budget ({b})";
            else if (Options.TimeLimit is { } t && Elapsed >= t) StopReason = $"time limit ({t})";
            return StopReason is not null;
        }
    }

    /// <summary>Reports a fine-tuning step after the search through the run's progress.</summary>
    public void Report(FineTuneProgress step) =>
        Show(new SearchProgress(-1, Evaluations, Options.Budget, Leading, BaseCost, Elapsed, 0, "fine-tuning", Space.Cost, null, Targeted) { FineTuning = step });

    /// <summary>Marks the run as stopped for a strategy's own reason (generations done, stagnation).</summary>
    public void Stop(string reason) => StopReason ??= reason;

    /// <summary>
    /// Whether the strategy should end and hand the rest of the budget to the polish that follows it: with a budget and
    /// a polish, once at most the polish's share is left (checked between batches, so a batch may reach into the share).
    /// </summary>
    public bool HandOver => Options.Polish > 0 && Options.Budget is { } budget && Evaluations >= budget - Options.Polish;

    /// <summary>
    /// How many candidates are evaluated at once (default 1). Above 1 the evaluate function must be thread-safe;
    /// results are still committed to the journal in order, so the run is the same whatever the number.
    /// </summary>
    public int Workers { get; init; } = 1;

    /// <summary>Whether journal records remain that the strategy has not asked for again yet.</summary>
    public bool Replaying => _replayed < (_journal?.Existing.Count ?? 0);

    /// <summary>
    /// The importance score of each channel by channel group (a ps gene's layer), as channel pruning ranks them, for a
    /// strategy that ranks channels itself (<see cref="Strategies.GlobalRankingStrategy"/>); null when the run has none.
    /// </summary>
    public Func<IReadOnlyDictionary<string, float[]>>? ChannelImportance { get; init; }

    /// <summary>A line on where candidates are evaluated (remote workers), shown with the progress; null for none.</summary>
    public Func<string?>? Status { get; init; }

    /// <summary>
    /// Evaluates genomes in order (cached ones are free), stopping early when the run must stop; returns one record
    /// per genome evaluated or served from the cache, so a caller can tell an incomplete batch by its length.
    /// </summary>
    public IReadOnlyList<EvaluationRecord> Evaluate(IReadOnlyList<double[]> genomes, int generation)
    {
        // In order: cached genomes (replayed journal lines among them) and the distinct new ones, up to the budget.
        var asked = new List<(string Key, double[] Genome)>(genomes.Count);
        var pending = new List<(double[] Genome, string Key)>();
        var pendingKeys = new HashSet<string>();
        var sameAsPending = new List<(double[] Genome, string Key)>();
        foreach (var raw in genomes)
        {
            var genome = Space.Clip(raw);
            string key = _modelKey(genome);
            if (_cache.TryGetValue(key, out var known))
            {
                if (known.Index > _records.Count) Diverged(known.Index);
                if (Replaying && known.Index == _records.Count) { _records.Add(known); _replayed++; Track(known); }
                else if (!known.Genome.AsSpan().SequenceEqual(genome)) Notify(o => o.Aliased(genome, known, generation));
            }
            else if (pendingKeys.Contains(key)) sameAsPending.Add((genome, key));
            else
            {
                if (ShouldStop || Options.Budget is { } budget && Evaluations + pending.Count >= budget) break;
                if (Replaying) Diverged(_records.Count);
                pending.Add((genome, key));
                pendingKeys.Add(key);
            }
            asked.Add((key, genome));
        }
        // The time limit also ends an evaluation in flight (one waiting on remote workers that are gone, say); it is not
        // recorded. While one is in flight the progress is re-reported every 10 s, so a backend's state shows.
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(_cancel);
        if (Options.TimeLimit is { } timeLimit) limit.CancelAfter(timeLimit - Elapsed > TimeSpan.Zero ? timeLimit - Elapsed : TimeSpan.Zero);
        using var heartbeat = pending.Count > 0 && Status is not null ? new Timer(_ => Heartbeat(), null, HeartbeatPeriod, HeartbeatPeriod) : null;
        try
        {
            if (Workers <= 1)
                foreach (var (genome, key) in pending)
                {
                    if (ShouldStop) break;
                    var clock = Stopwatch.StartNew();
                    Commit(genome, key, generation, _evaluate(genome, limit.Token), clock.Elapsed.TotalSeconds);
                }
            else
                EvaluateInParallel(pending, generation, limit.Token);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !_cancel.IsCancellationRequested) { }
        _ = ShouldStop; // records why the run stops when this batch reached a budget (the strategy may not ask again)
        foreach (var (genome, key) in sameAsPending)
            if (_cache.TryGetValue(key, out var first) && !first.Genome.AsSpan().SequenceEqual(genome)) Notify(o => o.Aliased(genome, first, generation));
        var results = new List<EvaluationRecord>(asked.Count);
        foreach (var (key, genome) in asked)
        {
            if (!_cache.TryGetValue(key, out var record)) break; // not evaluated: the run stopped
            // The same model under another genome: the strategy keeps breeding from its own genome.
            results.Add(record.Genome.AsSpan().SequenceEqual(genome) ? record : record with { Genome = genome });
        }
        return results;
    }

    /// <summary>
    /// <see cref="Workers"/> threads claim the pending genomes in order and evaluate them; each result is committed
    /// as soon as every earlier one is, so the journal is always a prefix of the sequential run's.
    /// </summary>
    private void EvaluateInParallel(List<(double[] Genome, string Key)> pending, int generation, CancellationToken cancel)
    {
        var done = new (CandidateResult Result, double Seconds)?[pending.Count];
        int claimed = -1, committed = 0;
        var commit = new Lock();
        bool stop = false;
        void Work()
        {
            while (!Volatile.Read(ref stop) && !cancel.IsCancellationRequested)
            {
                int i = Interlocked.Increment(ref claimed);
                if (i >= pending.Count) return;
                var clock = Stopwatch.StartNew();
                try { done[i] = (_evaluate(pending[i].Genome, cancel), clock.Elapsed.TotalSeconds); }
                catch { Volatile.Write(ref stop, true); throw; }
                lock (commit)
                    for (; committed < pending.Count && done[committed] is { } d; committed++)
                        Commit(pending[committed].Genome, pending[committed].Key, generation, d.Result, d.Seconds);
            }
        }
        var workers = Enumerable.Range(0, Workers).Select(_ => Task.Factory.StartNew(Work, TaskCreationOptions.LongRunning)).ToArray();
        try { Task.WaitAll(workers); }
        catch (AggregateException e)
        {
            var error = e.Flatten().InnerExceptions.FirstOrDefault(x => x is not OperationCanceledException) ?? e.Flatten().InnerExceptions[0];
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        }
    }

    // A replay is the same deterministic search asking for the journal's genomes in the journal's order; anything
    // else means the journal was written with other settings or by another version, and its records would be
    // mixed with new ones under the same indices.
    private void Diverged(int index) => throw new AscaiException(
        $"the journal does not replay: the search now asks for another genome than its evaluation {index} (it was made with other settings or by another version of Ascai); start a new run");

    private void Commit(double[] genome, string key, int generation, CandidateResult result, double seconds)
    {
        if (!_replayReported) { _replayReported = true; Notify(o => o.Replayed()); }
        double saving = 1 - result.CostIn(Space.Cost) / BaseCost;
        bool failed = result.Failure is not null;
        double accuracy = failed ? 0 : result.ValAccuracy, judged = failed ? 0 : Floor.Judged(result);
        var record = new EvaluationRecord
        {
            Index = _records.Count, Generation = generation, Genome = genome, ValAccuracy = accuracy, Macs = result.Macs, Params = result.Params,
            Bops = result.Bops is { } bops && bops != result.Macs ? bops : null, // float32 candidates: BOPs = MACs, not written
            Latency = result.Latency,
            // A failed candidate computed no accuracy: it scores as the worst possible one and never meets the floor.
            Score = Score.Score(saving, accuracy, judged), Feasible = Floor.Meets(result) && Score.WithinTarget(saving),
            Seed = Options.Seed, Seconds = seconds, Failure = result.Failure, Worse = result.Worse, Better = result.Better,
            Judged = Floor.Confidence is null || failed ? null : judged, RejectedAfter = result.RejectedAfter,
        };
        _journal?.Append(record);
        _cache[key] = record;
        _records.Add(record);
        Track(record);
    }

    private void Track(EvaluationRecord record)
    {
        if (record.Feasible && (BestFeasible is null || record.Score > BestFeasible.Score))
        {
            BestFeasible = record;
            Notify(o => o.BestImproved(record));
        }
        if (record.Feasible && Cheaper(record, CheapestFeasible)) CheapestFeasible = record;
        double rate = Evaluations / Math.Max(Elapsed.TotalSeconds, 1e-9);
        Show(new SearchProgress(record.Generation, Evaluations, Options.Budget, Leading, BaseCost, Elapsed, rate, Phase, Space.Cost, Status?.Invoke(), Targeted));
    }

    private static readonly TimeSpan HeartbeatPeriod = TimeSpan.FromSeconds(10);
    private readonly Lock _shown = new();
    private SearchProgress? _lastShown;

    private void Show(SearchProgress progress)
    {
        lock (_shown)
        {
            _lastShown = progress;
            _progress?.Report(progress);
        }
    }

    // The last progress again, with the time and the backend's state of now.
    private void Heartbeat()
    {
        lock (_shown)
            _progress?.Report((_lastShown ?? new SearchProgress(0, Evaluations, Options.Budget, Leading, BaseCost, Elapsed, 0, Phase, Space.Cost))
                with { Elapsed = Elapsed, Backend = Status?.Invoke(), Targeted = Targeted });
    }

    // The order of FeasibleFront: cost, then accuracy; the earlier of two equal records stays.
    private bool Cheaper(EvaluationRecord record, EvaluationRecord? than)
    {
        if (than is null) return true;
        int byCost = record.CostIn(Space.Cost).CompareTo(than.CostIn(Space.Cost));
        return byCost < 0 || byCost == 0 && record.ValAccuracy > than.ValAccuracy;
    }

    /// <summary>
    /// The non-dominated records: no other record has both lower-or-equal cost and higher-or-equal accuracy with
    /// one of them strict. Sorted by cost. Failed candidates, and rejected ones (whose accuracy is only a bound), are
    /// not on it.
    /// </summary>
    public IReadOnlyList<EvaluationRecord> ParetoFront() => Pareto(_records, Space.Cost);

    /// <summary>
    /// The non-dominated feasible records, by increasing cost: what a run may return. A record the floor refused cannot
    /// push a feasible one off it (with a confidence bound, a refused candidate may hold a higher point accuracy).
    /// </summary>
    public IReadOnlyList<EvaluationRecord> FeasibleFront() => Pareto(_records.Where(r => r.Feasible), Space.Cost);

    /// <summary>
    /// The feasible records as a ladder up from the cheapest: by increasing cost, each at least as accurate as the one
    /// below it on the search's images. Unlike the front it keeps ties: at equal accuracy there (every candidate of a small
    /// held-out set at 100%, say) the costlier candidate is the safer one on new images, so a walk down the ladder from its
    /// top has somewhere to stop. At most <paramref name="max"/> rungs, spread evenly over it, both ends kept.
    /// </summary>
    public static List<EvaluationRecord> Ladder(IEnumerable<EvaluationRecord> feasible, Cost.CostMetric metric, int max)
    {
        var ladder = new List<EvaluationRecord>();
        foreach (var r in feasible.Where(r => r.Failure is null && r.RejectedAfter is null).OrderBy(r => r.CostIn(metric)).ThenByDescending(r => r.ValAccuracy).ThenBy(r => r.Index))
            if (ladder.Count == 0 || r.ValAccuracy >= ladder[^1].ValAccuracy && r.CostIn(metric) > ladder[^1].CostIn(metric)) ladder.Add(r);
        return FrontFineTuning.Spread(ladder, max);
    }

    /// <summary>The non-dominated (cost, accuracy) subset of <paramref name="records"/>, by increasing cost.</summary>
    public static List<EvaluationRecord> Pareto(IEnumerable<EvaluationRecord> records, Cost.CostMetric metric)
    {
        double Cost(EvaluationRecord r) => r.CostIn(metric);
        var front = new List<EvaluationRecord>();
        foreach (var r in records.Where(r => r.Failure is null && r.RejectedAfter is null).OrderBy(Cost).ThenByDescending(r => r.ValAccuracy))
            if (front.Count == 0 || r.ValAccuracy > front[^1].ValAccuracy) front.Add(r);
        return front;
    }
}
