using System.Text.Json;
using Ascai.Graph;
using Ascai.Onnx;
using Ascai.Serialization;
using Ascai.Tests.Compression;

namespace Ascai.Tests.Graph;

/// <summary>A cloned node is the node: the same attributes as the file format writes them, the same tensors, its own copies.</summary>
public class NodeClonerTests
{
    public static TheoryData<string, string> Graphs => ZooGraphs.All;

    [Theory]
    [MemberData(nameof(Graphs))]
    public void AZooGraphsNodesCloneToThemselves(string name, string input)
    {
        using var graph = ZooGraphs.Create(name, input);
        AllCloneToThemselves(graph);
    }

    [Theory]
    [InlineData("families")]
    [InlineData("convnext")]
    public void AnImportedGraphsNodesCloneToThemselves(string fixture)
    {
        using var graph = OnnxImporter.Import(Repository.OnnxFixture(fixture), fixture);
        AllCloneToThemselves(graph);
    }

    private static void AllCloneToThemselves(LayerGraph graph)
    {
        foreach (var node in graph.Nodes)
        {
            var copy = NodeCloner.Clone(node);
            Assert.Equal(JsonSerializer.Serialize(node, Json.Options), JsonSerializer.Serialize(copy, Json.Options));
            foreach (var (key, value) in node.AllTensors())
            {
                var copied = copy.AllTensors().Single(t => t.Name == key).Value;
                Assert.True(copied.shape.SequenceEqual(value.shape) && copied.eq(value).all().item<bool>(), $"{node.Name}.{key}");
                Assert.NotEqual(value.Handle, copied.Handle);
            }
        }
    }
}
