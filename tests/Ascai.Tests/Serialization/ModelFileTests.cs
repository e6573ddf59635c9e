using System.IO.Compression;
using Ascai.Graph;
using Ascai.Models;
using Ascai.Serialization;
using static TorchSharp.torch;

namespace Ascai.Tests.Serialization;

public class ModelFileTests
{
    [Theory]
    [InlineData("lenet5", "1x28x28")]
    [InlineData("resnet20", "3x16x16")]
    [InlineData("mobilenetv2", "3x16x16")]
    [InlineData("vgg-small", "1x28x28")]
    public void SaveThenLoadGivesIdenticalOutputs(string name, string input)
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        var graph = ModelZoo.Create(name, Shape.Parse(input), 10, seed: 1);
        // Non-trivial batch-norm statistics, so buffers are exercised too.
        foreach (var node in graph.Nodes.Where(n => n.Buffers.ContainsKey("running_var")))
            node.SetTensor("running_var", rand(node.Buffers["running_var"].shape) + 0.5);
        var info = new ModelInfo { Architecture = name, NumClasses = 10, Normalization = new(Enumerable.Repeat(0.1f, Shape.Parse(input).Channels).ToArray(), Enumerable.Repeat(0.2f, Shape.Parse(input).Channels).ToArray()), Training = [new TrainingRecord { TestAccuracy = 91.5 }] };
        using var model = new Model(graph, info);
        ModelFile.Save(model, dir.File("m.ascai"));
        using var loaded = ModelFile.Load(dir.File("m.ascai"));
        var x = randn(Shape.Parse(input).WithBatch(3));
        TensorAssert.Close(graph.Forward(x), loaded.Graph.Forward(x), 0);
        Assert.Equal(91.5, loaded.Info.Training[0].TestAccuracy);
        Assert.Equal(info.Normalization.Std, loaded.Info.Normalization.Std);
        Assert.Equal(graph.Nodes.Select(n => n.Kind), loaded.Graph.Nodes.Select(n => n.Kind));
    }

    [Fact]
    public void NotAZipIsACorruptModel()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("x.ascai"), "hello");
        Assert.Contains("corrupt model file", Assert.Throws<AscaiException>(() => ModelFile.Load(dir.File("x.ascai"))).Message);
    }

    [Fact]
    public void TruncatedTensorsAreDetected()
    {
        using var dir = new TempDirectory();
        using (var model = new Model(ModelZoo.Create("lenet5", new Shape(1, 28, 28), 10), new ModelInfo()))
            ModelFile.Save(model, dir.File("m.ascai"));
        using (var zip = ZipFile.Open(dir.File("m.ascai"), ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry("tensors.bin")!;
            byte[] bytes;
            using (var s = entry.Open()) { using var ms = new MemoryStream(); s.CopyTo(ms); bytes = ms.ToArray(); }
            entry.Delete();
            using var w = zip.CreateEntry("tensors.bin").Open();
            w.Write(bytes.AsSpan(0, bytes.Length - 4));
        }
        Assert.Contains("tensors.bin", Assert.Throws<AscaiException>(() => ModelFile.Load(dir.File("m.ascai"))).Message);
    }

    [Fact]
    public void FailedSaveLeavesNoPartialFile()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("keep.ascai"), "old");
        Assert.ThrowsAny<Exception>(() => AtomicFile.Write(dir.File("keep.ascai"), s => { s.WriteByte(1); throw new IOException("disk full"); }));
        Assert.Equal("old", File.ReadAllText(dir.File("keep.ascai")));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void MissingFileIsNamed() =>
        Assert.Contains("no such model file", Assert.Throws<AscaiException>(() => ModelFile.Load("/nonexistent/m.ascai")).Message);
}
