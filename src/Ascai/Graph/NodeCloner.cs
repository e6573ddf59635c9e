using System.Text.Json;
using Ascai.Serialization;

namespace Ascai.Graph;

/// <summary>Copies nodes: attributes through their JSON form (so every node kind is covered), tensors by value.</summary>
public static class NodeCloner
{
    /// <summary>A deep copy of <paramref name="node"/> with its own tensors.</summary>
    public static Node Clone(Node node)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var copy = JsonSerializer.Deserialize<Node>(JsonSerializer.SerializeToUtf8Bytes(node, Json.Options), Json.Options)!;
        foreach (var (name, value) in node.AllTensors()) copy.SetTensor(name, value);
        return copy;
    }
}
