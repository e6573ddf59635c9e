using System.Text;
using Ascai.Distributed;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Search;
using Ascai.Serialization;

namespace Ascai.Tests.Distributed;

/// <summary>
/// Workers are peers, not oracles: a message is checked before any name in it touches a path, a poison message is
/// dropped rather than crashing a worker, and a result the coordinator can check is refused when it cannot be right.
/// </summary>
public class HostilePeerTests
{
    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"job\": \"../../../../tmp/evil\", \"key\": \"k\", \"genome\": [0.5]}")]
    [InlineData("{\"job\": \"0123456789abcdef/..\", \"key\": \"k\", \"genome\": [0.5]}")]
    [InlineData("{\"job\": \"0123456789ABCDEF\", \"key\": \"k\", \"genome\": [0.5]}")]
    [InlineData("{\"job\": \"0123456789abcdef\", \"key\": \"k\", \"genome\": [\"NaN\"]}")]
    [InlineData("{\"job\": \"0123456789abcdef\", \"genome\": [0.5]}")]
    public void ATaskThatNamesNoJobOfAscaiIsDropped(string message) =>
        Assert.Null(NatsWorker.Parse(Encoding.UTF8.GetBytes(message)));

    [Fact]
    public void ATaskOfAJobIsTaken() =>
        Assert.NotNull(NatsWorker.Parse(Encoding.UTF8.GetBytes("{\"job\": \"0123456789abcdef\", \"key\": \"k\", \"genome\": [0.5, 0]}")));

    [Theory]
    [InlineData("../../evil", ".ascai")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000", "/../../x.json")]
    public void AJobWhoseNamesCouldLeaveTheCacheIsRefused(string modelHash, string extension)
    {
        var job = new EvaluationJob
        {
            ModelHash = modelHash, ModelExtension = extension, DataHash = new string('0', 64), Normalization = Normalization.FashionMnist, Evaluation = new EvaluationSpec(),
        };
        Assert.Throws<AscaiException>(job.CheckNames);
    }

    [Fact]
    public void AForgedResultIsRefusedAndATrueOneIsTaken()
    {
        using var model = ModelFile.Load(Repository.Model("vgg-small-fashion-mnist.ascai"));
        var data = Ascai.Data.DatasetCatalog.Load("fashion-mnist", null, 200);
        var spec = new EvaluationSpec { Include = ["conv6", "fc1"] };
        var space = spec.Space(model.Graph);
        using var evaluator = spec.Evaluator(model, data, space);
        double[] genome = [0.5, 0.25];
        var honest = evaluator.Evaluate(genome);
        evaluator.Check(genome, honest, "worker w");
        // What a lying peer answered: an accuracy of 150 and 1 MAC; a plausible accuracy its own counts contradict.
        Assert.Contains("worker w", Assert.Throws<AscaiException>(() => evaluator.Check(genome, honest with { Macs = 1 }, "worker w")).Message);
        Assert.Throws<AscaiException>(() => evaluator.Check(genome, honest with { ValAccuracy = 150 }, "worker w"));
        Assert.Throws<AscaiException>(() => evaluator.Check(genome, honest with { ValAccuracy = Math.Min(100, honest.ValAccuracy + 1) }, "worker w"));
        Assert.Throws<AscaiException>(() => evaluator.Check(genome, honest with { Images = 10 }, "worker w"));
        Assert.Throws<AscaiException>(() => evaluator.Check(genome, honest with { Worse = null }, "worker w"));
        // A genome of the wrong length is refused before any compression.
        Assert.Throws<AscaiException>(() => evaluator.Evaluate([0.5]));
    }
}
