using Ascai.Compression;
using Ascai.Evaluation;
using Ascai.Search;
using Ascai.Search.Strategies;

namespace Ascai.Tests.Search;

public class SearchRunTests
{
    private static readonly SearchOptions Small = new() { Population = 8, Generations = 6, Seed = 3 };

    private static SearchRun Run(SearchOptions options, Journal? journal = null, CancellationToken cancel = default, string strategy = "ascai")
    {
        var space = SyntheticSearch.Space(4);
        var run = new SearchRun(space, new ScoreFunction(options.Score, 95, 94), 1_000_000, options, SyntheticSearch.Evaluate, journal, cancel: cancel);
        SearchStrategies.Run(SearchStrategies.Create(strategy), run, new Random(options.Seed));
        return run;
    }

    [Fact]
    public void SameSeedGivesTheSameJournal()
    {
        using var dir = new TempDirectory();
        using (var a = new Journal(dir.File("a.jsonl"))) Run(Small, a);
        using (var b = new Journal(dir.File("b.jsonl"))) Run(Small, b);
        Assert.Equal(StripTimes(dir.File("a.jsonl")), StripTimes(dir.File("b.jsonl")));
        using (var c = new Journal(dir.File("c.jsonl"))) Run(Small with { Seed = 4 }, c);
        Assert.NotEqual(StripTimes(dir.File("a.jsonl")), StripTimes(dir.File("c.jsonl")));
    }

    [Theory]
    [InlineData(null, 0, ConstraintHandling.Penalty, SelectionScheme.Proportional)]
    [InlineData(30, 0, ConstraintHandling.Penalty, SelectionScheme.Proportional)]
    [InlineData(null, 20, ConstraintHandling.Penalty, SelectionScheme.Proportional)] // with the polish after the GA
    [InlineData(45, 12, ConstraintHandling.Strict, SelectionScheme.Proportional)]    // and with the feasibility rule
    [InlineData(45, 12, ConstraintHandling.Strict, SelectionScheme.Tournament)]      // and with tournaments
    public void WorkersDoNotChangeTheJournalNorTheResume(int? budget, int polish, ConstraintHandling constraint, SelectionScheme selection)
    {
        using var dir = new TempDirectory();
        var options = Small with { Budget = budget, Polish = polish, Constraint = constraint, Selection = selection };
        var space = SyntheticSearch.Space(4);
        var score = new ScoreFunction(options.Score, 95, 94);
        // Evaluations finish out of order: later ones are sometimes faster.
        static Ascai.Evaluation.CandidateResult Jittered(double[] g, CancellationToken t)
        {
            Thread.Sleep((int)(g[0] * 1000) % 7);
            return SyntheticSearch.Evaluate(g, t);
        }
        SearchRun Search(string file, int workers, CancellationToken cancel = default, Func<double[], CancellationToken, Ascai.Evaluation.CandidateResult>? evaluate = null)
        {
            using var journal = new Journal(dir.File(file));
            var run = new SearchRun(space, score, 1_000_000, options, evaluate ?? Jittered, journal, cancel: cancel) { Workers = workers };
            try { SearchStrategies.Run(new GeneticStrategy(), run, new Random(options.Seed)); } catch (OperationCanceledException) { }
            return run;
        }
        var one = Search("one.jsonl", 1);
        var three = Search("three.jsonl", 3);
        Assert.Equal(StripTimes(dir.File("one.jsonl")), StripTimes(dir.File("three.jsonl")));
        Assert.Equal(one.BestFeasible!.Genome, three.BestFeasible!.Genome);

        using (var cancel = new CancellationTokenSource())
        {
            int calls = 0;
            Search("cut.jsonl", 2, cancel.Token, (g, t) => { if (Interlocked.Increment(ref calls) > 17) cancel.Cancel(); return Jittered(g, t); });
        }
        Assert.InRange(Journal.Read(dir.File("cut.jsonl")).Count, 10, 19);
        Search("cut.jsonl", 2);
        Assert.Equal(StripTimes(dir.File("one.jsonl")), StripTimes(dir.File("cut.jsonl")));
    }

    private static string[] StripTimes(string path) =>
        Journal.Read(path).Select(r => System.Text.Json.JsonSerializer.Serialize(r with { Seconds = 0 })).ToArray();

    [Fact]
    public void ResumeAfterAnInterruptionEndsWithTheSameResult()
    {
        using var dir = new TempDirectory();
        SearchRun full;
        using (var journal = new Journal(dir.File("full.jsonl"))) full = Run(Small, journal);

        // Interrupt after 40 evaluations, as a kill would, then tear the last line as a kill during the write would.
        using (var cancel = new CancellationTokenSource())
        using (var journal = new Journal(dir.File("cut.jsonl")))
        {
            var space = SyntheticSearch.Space(4);
            int calls = 0;
            var run = new SearchRun(space, new ScoreFunction(ScoreForm.Ascai, 95, 94), 1_000_000, Small,
                (g, t) => { if (++calls > 40) cancel.Cancel(); return SyntheticSearch.Evaluate(g, t); }, journal, cancel: cancel.Token);
            try { SearchStrategies.Run(new GeneticStrategy(), run, new Random(Small.Seed)); } catch (OperationCanceledException) { }
        }
        var cut = File.ReadAllText(dir.File("cut.jsonl"));
        File.WriteAllText(dir.File("cut.jsonl"), cut + cut.Split('\n')[0][..20]);
        Assert.InRange(Journal.Read(dir.File("cut.jsonl")).Count, 35, 45);

        SearchRun resumed;
        using (var journal = new Journal(dir.File("cut.jsonl"))) resumed = Run(Small, journal);
        Assert.Equal(full.Evaluations, resumed.Evaluations);
        Assert.Equal(full.BestFeasible!.Genome, resumed.BestFeasible!.Genome);
        Assert.Equal(StripTimes(dir.File("full.jsonl")), StripTimes(dir.File("cut.jsonl")));
    }

    [Fact]
    public void ACandidateWithNaNOutputsIsRecordedAsFailedAndTheRunGoesOn()
    {
        var space = SyntheticSearch.Space(2);
        // Heavily pruned first layers "blow up": their outputs are not numbers.
        static Ascai.Evaluation.CandidateResult Evaluate(double[] g, CancellationToken t) =>
            g[0] > 0.5 ? Ascai.Evaluation.CandidateResult.Failed(100, 10, "NaN or infinite outputs") : SyntheticSearch.Evaluate(g, t);
        using var dir = new TempDirectory();
        using (var journal = new Journal(dir.File("j.jsonl")))
        {
            var run = new SearchRun(space, new ScoreFunction(ScoreForm.Ascai, 95, 0.5), 1_000_000, Small, Evaluate, journal);
            var records = run.Evaluate([[0.9, 0.0], [0.1, 0.0]], 0);
            Assert.Equal(2, records.Count);
            Assert.Equal("NaN or infinite outputs", records[0].Failure);
            Assert.False(records[0].Feasible); // even under a floor of 0.5% that its 0% would not meet anyway
            Assert.True(records[0].Score <= records[1].Score);
            Assert.Null(records[1].Failure);
            Assert.Equal([records[1].Index], run.ParetoFront().Select(r => r.Index)); // cheaper, but it measured nothing
            Assert.Same(records[1], run.BestFeasible);
        }
        Assert.Equal("NaN or infinite outputs", Journal.Read(dir.File("j.jsonl"))[0].Failure);
    }

    [Fact]
    public void AFinishedRunExtendedWithALargerBudgetEndsWhereARunWithThatBudgetEnds()
    {
        using var dir = new TempDirectory();
        var options = Small with { Generations = 50 };
        using (var journal = new Journal(dir.File("short.jsonl"))) Run(options with { Budget = 30 }, journal);
        Assert.Equal(30, Journal.Read(dir.File("short.jsonl")).Count);
        SearchRun extended, fresh;
        var replayed = 0;
        using (var journal = new Journal(dir.File("short.jsonl")))
        {
            extended = new SearchRun(SyntheticSearch.Space(4), new ScoreFunction(options.Score, 95, 94), 1_000_000, options with { Budget = 70 },
                SyntheticSearch.Evaluate, journal) { Observers = [new EventLog { OnReplayed = () => replayed = journal.Existing.Count }] };
            SearchStrategies.Run(new GeneticStrategy(), extended, new Random(options.Seed));
        }
        using (var journal = new Journal(dir.File("long.jsonl"))) fresh = Run(options with { Budget = 70 }, journal);
        Assert.Equal(30, replayed); // told once the old journal had replayed, before the first new evaluation
        Assert.Equal(StripTimes(dir.File("long.jsonl")), StripTimes(dir.File("short.jsonl")));
        Assert.Equal(fresh.BestFeasible!.Genome, extended.BestFeasible!.Genome);
    }

    [Fact]
    public void AJournalTheSearchDoesNotAskForAgainIsRefused()
    {
        using var dir = new TempDirectory();
        using (var journal = new Journal(dir.File("j.jsonl"))) Run(Small with { Budget = 30, Init = InitMode.Naive }, journal);
        // Another seed draws other genomes: replaying this journal would mix its records with new ones.
        using (var journal = new Journal(dir.File("j.jsonl")))
            Assert.Contains("the journal does not replay", Assert.Throws<AscaiException>(() => Run(Small with { Budget = 60, Init = InitMode.Naive, Seed = 9 }, journal)).Message);
    }

    [Fact]
    public void AJournalWithADuplicatedOrMissingLineIsRefused()
    {
        using var dir = new TempDirectory();
        using (var journal = new Journal(dir.File("j.jsonl"))) Run(Small with { Budget = 10 }, journal);
        var lines = File.ReadAllLines(dir.File("j.jsonl"));
        File.WriteAllLines(dir.File("dup.jsonl"), [.. lines[..4], lines[3], .. lines[4..]]);
        File.WriteAllLines(dir.File("gap.jsonl"), [.. lines[..4], .. lines[5..]]);
        Assert.Contains("line 5 holds evaluation 3, expected 4", Assert.Throws<AscaiException>(() => Journal.Read(dir.File("dup.jsonl"))).Message);
        Assert.Contains("line 5 holds evaluation 5, expected 4", Assert.Throws<AscaiException>(() => new Journal(dir.File("gap.jsonl"))).Message);
    }

    [Fact]
    public void IdenticalGenomesAreEvaluatedOnce()
    {
        int calls = 0;
        var space = SyntheticSearch.Space(2);
        var run = new SearchRun(space, new ScoreFunction(ScoreForm.Ascai, 95, 94), 1_000_000, Small, (g, t) => { calls++; return SyntheticSearch.Evaluate(g, t); });
        run.Evaluate([[0.1, 0.2], [0.1, 0.2], [0.3, 0.2]], 0);
        run.Evaluate([[0.1, 0.2]], 1);
        Assert.Equal(2, calls);
        Assert.Equal(2, run.Evaluations);
    }

    [Theory]
    [InlineData(InitRepair.Shrink)]
    [InlineData(InitRepair.Scale)]
    public void RepairsFillTheWarmPopulationWithFeasibleIndividualsInFewerEvaluations(InitRepair repair)
    {
        var options = Small with { Population = 20, Generations = 1 };
        var resample = Run(options with { InitRepair = InitRepair.Resample });
        var repaired = Run(options with { InitRepair = repair });
        int initial(SearchRun run) => run.Records.Count(r => r.Generation == -1);
        Assert.True(initial(repaired) < initial(resample), $"{repair} {initial(repaired)} vs resample {initial(resample)} evaluations");
        var firstGeneration = repaired.Records.Where(r => r.Generation == 0).ToList();
        Assert.All(firstGeneration, r => Assert.True(r.Feasible));
    }

    [Fact]
    public void AScaledWarmSampleMovesEveryGeneTowardTheOriginal()
    {
        var space = SyntheticSearch.Space(3);
        double[] genome = [0.4, 0.2, 0.8];
        Assert.Equal(genome, Initialization.Scaled(space, genome, 1), (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal(space.Identity, Initialization.Scaled(space, genome, 0));
        Assert.Equal([0.2, 0.1, 0.4], Initialization.Scaled(space, genome, 0.5), (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Theory]
    [InlineData(InitRepair.Resample)]
    [InlineData(InitRepair.Shrink)]
    [InlineData(InitRepair.Scale)]
    public void TheWarmStartLeavesTheGeneticAlgorithmTwoGenerationsOfTheBudget(InitRepair repair)
    {
        var options = Small with { Population = 10, Generations = 50, Polish = 10, InitRepair = repair };
        // (evaluations after theta, evaluations before the first generation)
        (int AfterTheta, int BeforeGa) Warm(SearchOptions o)
        {
            // A floor most warm samples miss, so that filling the population takes many evaluations.
            int afterTheta = -1, beforeGa = -1; // generation 0 is the initial population, evaluated already
            SearchRun? run = null;
            run = new SearchRun(SyntheticSearch.Space(4), new ScoreFunction(o.Score, 95, 94.5), 1_000_000, o, SyntheticSearch.Evaluate)
            {
                Observers = [new EventLog { OnTheta = _ => afterTheta = run!.Evaluations, OnGeneration = (g, _) => { if (g == 0) beforeGa = run!.Evaluations; } }],
            };
            SearchStrategies.Run(new GeneticStrategy(), run, new Random(o.Seed));
            return (afterTheta, beforeGa);
        }
        var unbounded = Warm(options with { Generations = 1 });
        int budget = unbounded.BeforeGa + 25; // unbounded, the GA would get 15 evaluations after the polish's 10
        var bounded = Warm(options with { Budget = budget });
        Assert.Equal(unbounded.AfterTheta, bounded.AfterTheta);
        int limit = GeneticStrategy.InitialEvaluationLimit(options with { Budget = budget }, bounded.AfterTheta);
        Assert.Equal(budget - bounded.AfterTheta - 10 - 2 * 10, limit); // two generations of 10 left to the GA
        Assert.True(limit < unbounded.BeforeGa - unbounded.AfterTheta, "the limit binds");
        Assert.InRange(bounded.BeforeGa - bounded.AfterTheta, 1, limit);
    }

    [Fact]
    public void BudgetStopsTheSearch()
    {
        // Budgets that end the search at a batch's end and in the middle of one alike.
        foreach (int budget in new[] { 30, 61, 97, 103, 131, 150 })
        {
            var run = Run(Small with { Budget = budget, Generations = 100 });
            Assert.Equal(budget, run.Evaluations);
            Assert.Equal($"evaluation budget ({budget})", run.StopReason);
        }
    }

    [Fact]
    public void TheSearchBeatsUniformAndRandomOnASkewedLandscape()
    {
        var options = Small with { Population = 20, Generations = 30, Budget = 600 };
        double Ratio(string strategy) => Run(options, strategy: strategy).BestFeasible!.Macs / 1e6;
        double ga = Ratio("ascai"), uniform = Ratio("uniform"), random = Ratio("random");
        Assert.True(ga < uniform, $"ascai {ga:F3} vs uniform {uniform:F3}");
        Assert.True(ga < random, $"ascai {ga:F3} vs random {random:F3}");
    }

    [Fact]
    public void ParetoFrontKeepsOnlyNonDominatedRecords()
    {
        EvaluationRecord R(long macs, double acc) => new() { Genome = [macs], Macs = macs, ValAccuracy = acc };
        var front = SearchRun.Pareto([R(10, 90), R(5, 80), R(7, 85), R(8, 84), R(12, 89), R(5, 79)], Ascai.Cost.CostMetric.Macs);
        Assert.Equal([5L, 7, 10], front.Select(r => r.Macs));
    }

    [Fact]
    public void ScoreMatchesEquationsThreeAndFour()
    {
        var ascai = new ScoreFunction(ScoreForm.Ascai, 94, 93);
        Assert.Equal(0.5 / 1, ascai.Score(0.5, 94), 12); // nothing lost: PEN = 1
        Assert.Equal(0.5 / 1.5, ascai.Score(0.5, 93.5), 12);
        Assert.Equal(0.5 / (2 + 1 + Math.Exp(1)), ascai.Score(0.5, 92), 12); // below the floor
        var genecai = new ScoreFunction(ScoreForm.Genecai, 94, 93);
        Assert.Equal(Math.Exp(50) / 1.5, genecai.Score(0.5, 93.5), 1e-3 * Math.Exp(50));
    }

    [Fact]
    public void BadOptionsNameTheSettingTheLibraryWay()
    {
        // The library names its settings as its API does; the command line maps them to its flags (BadInputTests).
        SettingException Bad(Action action) => Assert.Throws<SettingException>(action);
        Assert.Equal("SearchOptions.CrossoverProbability", Bad(() => (Small with { CrossoverProbability = 1.5 }).Validate()).Setting);
        Assert.Equal("SearchOptions.Population must be between 2 and 10,000, got 1", Bad(() => (Small with { Population = 1 }).Validate()).Message);
        Assert.Equal("SearchOptions.Polish", Bad(() => (Small with { Polish = -1 }).Validate()).Setting);
        Assert.Equal("SearchOptions.TournamentSize", Bad(() => (Small with { TournamentSize = 1 }).Validate()).Setting);
        var polish = Bad(() => (Small with { Polish = 100, Budget = 100 }).Validate());
        Assert.Equal("SearchOptions.Polish (100) must be below SearchOptions.Budget (100)", polish.Message);
        Assert.Equal("--polish (100) must be below --budget (100)", polish.Describe(key => key switch { "SearchOptions.Polish" => "--polish", "SearchOptions.Budget" => "--budget", _ => null }));
        Assert.Contains("above the model", Assert.Throws<AscaiException>(() => new SearchConfig { Model = "m", AccThreshold = 99 }.Floor(94)).Message);
        Assert.Contains("every model meets", Bad(() => new SearchConfig { Model = "m", MaxDrop = 50 }.Floor(40)).Message);
        Assert.Equal("DataOptions.ValidationSize", Bad(() => new SearchConfig { Model = "m", Data = new Ascai.Data.DataOptions { ValidationSize = 0 } }.Validate()).Setting);
        Assert.Equal("SearchConfig.MaxDrop", Bad(() => new SearchConfig { Model = "m", MaxDrop = 200 }.Validate()).Setting);
        Assert.Contains("finds no layer to search", Bad(() =>
        {
            var g = new Ascai.Graph.GraphBuilder(new Ascai.Graph.Shape(8));
            using var graph = g.Build(g.Linear("input", 4));
            Assert.Empty(SearchSpace.Build(graph, "ps").Genes);
            new EvaluationSpec { Methods = "ps" }.Space(graph);
        }).Message);
        Assert.Equal("SearchConfig.Strategy", Bad(() => SearchStrategies.Create("annealing")).Setting);
    }
}
