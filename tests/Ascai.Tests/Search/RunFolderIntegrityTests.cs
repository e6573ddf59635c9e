using System.Text.Json.Nodes;
using Ascai.Graph;
using Ascai.Search;
using Ascai.Serialization;

namespace Ascai.Tests.Search;

/// <summary>
/// A run folder knows what it was made from and is written by one search at a time: a resume after the model file was
/// replaced, config.json edited or the data changed is refused, naming what changed; a second search on a folder in
/// use is refused at once; nothing is written through a symbolic link.
/// </summary>
public class RunFolderIntegrityTests
{
    // A killed run: four evaluations of the uniform sweep out of eight, on a copy of the committed model.
    private static (string Run, string Model, SearchConfig Config) Killed(TempDirectory dir)
    {
        string model = dir.File("model.ascai");
        File.Copy(Repository.Model("vgg-small-fashion-mnist.ascai"), model);
        var config = new SearchConfig
        {
            Model = model, Strategy = "uniform", Data = new Ascai.Data.DataOptions { ValidationSize = 100 }, Confirmation = 0, Confidence = null, FineTune = null,
            Evaluation = new Ascai.Evaluation.EvaluationSpec { Include = ["fc1"] }, Options = new SearchOptions { Budget = 4 },
        };
        string run = dir.File("run");
        SearchRunner.Start(config, run);
        File.Delete(Path.Combine(run, RunStore.SummaryFile));
        return (run, model, config);
    }

    [Fact]
    public void AResumeRefusesAnotherModelOtherSettingsOrOtherData()
    {
        using var dir = new TempDirectory();
        var (run, model, _) = Killed(dir);
        Assert.NotNull(new RunStore(run).ReadInputs());

        // The same architecture with other weights, in the same file.
        byte[] original = File.ReadAllBytes(model);
        using (var loaded = ModelFile.Load(model))
        {
            using (TorchSharp.torch.no_grad()) loaded.Graph["fc2"].Parameters["bias"].add_(0.01f);
            ModelFile.Save(loaded, model);
        }
        Assert.Contains("the model file's content changed", Assert.Throws<SettingException>(() => SearchRunner.Resume(run)).Message);
        File.WriteAllBytes(model, original);

        // config.json edited between a kill and a resume: the fill, the floor.
        string configPath = Path.Combine(run, RunStore.ConfigFile);
        string config = File.ReadAllText(configPath);
        var edited = JsonNode.Parse(config)!;
        edited["evaluation"]!["fill"] = "zero";
        File.WriteAllText(configPath, edited.ToJsonString());
        Assert.Contains("evaluation.fill", Assert.Throws<SettingException>(() => SearchRunner.Resume(run)).Message);
        edited = JsonNode.Parse(config)!;
        edited["maxDrop"] = 3.0;
        File.WriteAllText(configPath, edited.ToJsonString());
        Assert.Contains("maxDrop", Assert.Throws<SettingException>(() => SearchRunner.Resume(run)).Message);
        File.WriteAllText(configPath, config);

        // Other held-out images.
        edited = JsonNode.Parse(config)!;
        edited["data"]!["validationSize"] = 99;
        File.WriteAllText(configPath, edited.ToJsonString());
        Assert.Contains("the images it reads changed", Assert.Throws<SettingException>(() => SearchRunner.Resume(run)).Message);
        File.WriteAllText(configPath, config);

        // Unchanged, it resumes to the end.
        Assert.Equal(4, SearchRunner.Resume(run).Evaluations);
    }

    [Fact]
    public void OneSearchPerFolderAndNothingWrittenThroughALink()
    {
        using var dir = new TempDirectory();
        var (run, _, config) = Killed(dir);
        using (new RunStore(run).Lock())
            Assert.Contains("another search is running", Assert.Throws<AscaiException>(() => SearchRunner.Resume(run)).Message);

        // A link inside the folder pointing outside it: refused, and its target untouched.
        string outside = dir.File("outside.jsonl");
        File.WriteAllText(outside, "keep\n");
        string populations = Path.Combine(run, RunStore.PopulationsFile);
        File.Delete(populations);
        File.CreateSymbolicLink(populations, outside);
        Assert.Contains("symbolic link", Assert.Throws<AscaiException>(() => SearchRunner.Resume(run)).Message);
        Assert.Equal("keep\n", File.ReadAllText(outside));
        // An existing --out that holds a link where the run would write.
        string linked = dir.File("linked");
        Directory.CreateDirectory(linked);
        File.CreateSymbolicLink(Path.Combine(linked, RunStore.PopulationsFile), outside);
        Assert.Contains("symbolic link", Assert.Throws<AscaiException>(() => SearchRunner.Start(config, linked)).Message);
        Assert.Equal("keep\n", File.ReadAllText(outside));
    }

    // A confirmed run's returned model built again from its folder has best.ascai's weights exactly (the ranking and
    // the fill on the run's own search images, not on every held-out image as a bare `compress` would use), and
    // `ascai compress --run` writes it; a changed model file is refused.
    [Fact]
    public void TheReturnedModelIsRebuiltBitForBitFromItsRunFolder()
    {
        using var dir = new TempDirectory();
        string model = dir.File("model.ascai");
        File.Copy(Repository.Model("vgg-small-fashion-mnist.ascai"), model);
        var config = new SearchConfig
        {
            Model = model, Strategy = "uniform", MaxDrop = 2, Data = new Ascai.Data.DataOptions { ValidationSize = 200 }, Confirmation = 0.5, Confidence = null, FineTune = null,
            Evaluation = new Ascai.Evaluation.EvaluationSpec { Include = ["conv5", "conv6", "fc1"] }, Options = new SearchOptions { Budget = 6 },
        };
        string run = dir.File("run");
        var summary = SearchRunner.Start(config, run);
        Assert.NotNull(summary.Best);
        foreach (var (compact, file) in new[] { (false, RunStore.BestFile), (true, RunStore.BestCompactFile) })
        {
            using var rebuilt = SearchRunner.Rebuild(run, compact: compact);
            using var written = ModelFile.Load(Path.Combine(run, file));
            Assert.Equal(written.Graph.Nodes.Select(n => n.Name), rebuilt.Graph.Nodes.Select(n => n.Name));
            foreach (var node in written.Graph.Nodes)
                foreach (var (name, value) in node.AllTensors())
                    TensorAssert.Close(value, rebuilt.Graph[node.Name].AllTensors().Single(t => t.Name == name).Value, tolerance: 0);
        }
        var cli = Ascai.Tests.Cli.Cli.Run(dir.Path, ["compress", "--run", run, "--compact", "--out", dir.File("again.ascai")]);
        Assert.True(cli.ExitCode == 0, cli.Stderr);
        Assert.True(File.Exists(dir.File("again.ascai")));
        // Other weights in the model file: the folder no longer describes it.
        using (var other = ModelFile.Load(Repository.Model("vgg-small-fashion-mnist.ascai")))
        {
            using (TorchSharp.torch.no_grad()) other.Graph["fc2"].Parameters["bias"].add_(1f);
            ModelFile.Save(other, model);
        }
        Assert.Contains("changed", Assert.Throws<AscaiException>(() => SearchRunner.Rebuild(run)).Message);
    }
}
