using System.CommandLine;
using Ascai.Cli.Commands;
using Ascai.Evaluation;
using Ascai.Search;

namespace Ascai.Tests.Cli;

/// <summary>The command line's defaults are the library's: one set, so the tests of a whole search exercise what users get.</summary>
public class DefaultsTests
{
    [Fact]
    public void SearchFlagsDefaultToTheLibrarysSettings()
    {
        var command = SearchCommand.Create();
        var parse = command.Parse(["--model", "m.ascai", "--out", "run"]);
        T Default<T>(string flag) => parse.GetValue((Option<T>)command.Options.Single(o => o.Name == flag))!;
        var config = new SearchConfig { Model = "m.ascai" };
        var spec = config.Evaluation;
        Assert.Equal(new EvaluationSpec(), spec);
        Assert.Equal(spec.Methods, Default<string>("--methods"));
        Assert.Equal(spec.Fill, Default<Ascai.Compression.PrunedChannelFill>("--fill"));
        Assert.Equal(spec.ChannelMultiple, Default<int>("--channel-multiple"));
        Assert.Equal(spec.Importance, Default<Ascai.Compression.ImportanceCriterion>("--importance"));
        Assert.Equal(spec.Engine, Default<EvaluationEngine>("--engine"));
        Assert.Equal(spec.BatchNormImages, Default<int>("--bn-reestimate"));
        Assert.Equal(spec.Cost?.ToString(), Default<string?>("--cost"));
        Assert.Equal(spec.LatencyBatch, Default<int>("--latency-batch"));
        Assert.Equal(spec.Quantization.CalibrationImages, Default<int>("--calibration-images"));
        Assert.Equal(spec.Quantization.Method, Default<Ascai.Quantization.CalibrationMethod>("--calibration"));
        Assert.Equal(spec.Quantization.Percentile, Default<double>("--percentile"));
        Assert.Equal(config.Strategy, Default<string>("--strategy"));
        Assert.Equal(config.Confirmation, Default<double>("--confirmation"));
        Assert.Equal(config.Confidence, SearchCommand.ParseConfidence(Default<string>("--confidence")));
        Assert.Equal(config.Probe, Default<int>("--probe"));
        Assert.Equal(config.DistinctModels, Default<bool>("--distinct-models"));
        Assert.Equal(config.EarlyRejection, Default<bool>("--early-rejection"));
        Assert.Equal(config.Data.ValidationSize, Default<int?>("--val-size"));
        Assert.Equal(config.Data.ImageCacheMegabytes, Default<int>("--image-cache-mb"));
        var options = config.Options;
        Assert.Equal(options.Population, Default<int>("--population"));
        Assert.Equal(options.Generations, Default<int>("--generations"));
        Assert.Equal(options.CrossoverProbability, Default<double>("--p-cross"));
        Assert.Equal(options.SwapProbability, Default<double>("--p-swap"));
        Assert.Equal(options.MutationProbability, Default<double>("--p-mutate"));
        Assert.Equal(options.TweakProbability, Default<double>("--p-tweak"));
        Assert.Equal(options.TournamentSize, Default<int>("--tournament-size"));
        Assert.Equal(options.Polish, Default<int>("--polish"));
        Assert.Equal(options.Init, Default<InitMode>("--init"));
        Assert.Equal(options.InitRepair, Default<InitRepair>("--init-repair"));
        Assert.Equal(options.Score, Default<ScoreForm>("--score"));
        Assert.Equal(options.Constraint, Default<ConstraintHandling>("--constraint"));
        Assert.Equal(options.Selection, Default<SelectionScheme>("--selection"));
        Assert.Equal(options.Seed, Default<int>("--seed"));
        Assert.Equal(new FineTuneOptions().Candidates, Default<int>("--finetune-candidates"));
    }
}
