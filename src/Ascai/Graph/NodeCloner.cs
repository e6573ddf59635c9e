using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Ascai.Graph;

/// <summary>Copies nodes: attributes through their JSON form (so every node kind is covered), tensors by value.</summary>
public static class NodeCloner
{
    // Only a round trip within this process: the file conventions (Serialization.Json) do not matter here, the node kinds do.
    private static readonly JsonSerializerOptions RoundTrip = new()
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { NodeRegistry.AddPolymorphism } },
    };

    /// <summary>A deep copy of <paramref name="node"/> with its own tensors.</summary>
    public static Node Clone(Node node)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var copy = JsonSerializer.Deserialize<Node>(JsonSerializer.SerializeToUtf8Bytes(node, RoundTrip), RoundTrip)!;
        foreach (var (name, value) in node.AllTensors()) copy.SetTensor(name, value);
        return copy;
    }
}
