using System.Reflection;
using System.Text.Json.Serialization.Metadata;

namespace Ascai.Graph;

/// <summary>Marks a <see cref="Node"/> subclass with the kind name used in model files.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class NodeKindAttribute(string kind) : Attribute
{
    /// <summary>The kind name, e.g. "conv2d".</summary>
    public string Kind { get; } = kind;
}

/// <summary>
/// Finds every node type by its <see cref="NodeKindAttribute"/>, so adding a layer type touches one file, and
/// teaches System.Text.Json to read and write nodes polymorphically by kind.
/// </summary>
public static class NodeRegistry
{
    private static readonly Dictionary<Type, string> Kinds = typeof(Node).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(Node)) && !t.IsAbstract)
        .ToDictionary(t => t, t => t.GetCustomAttribute<NodeKindAttribute>()?.Kind
            ?? throw new InvalidOperationException($"{t.Name} lacks [NodeKind]"));

    /// <summary>All registered kinds.</summary>
    public static IEnumerable<string> AllKinds => Kinds.Values.Order();

    /// <summary>The kind name of a node type.</summary>
    public static string KindOf(Type type) => Kinds[type];

    /// <summary>A JSON type-info modifier that declares every node kind as a derived type of <see cref="Node"/>.</summary>
    public static void AddPolymorphism(JsonTypeInfo info)
    {
        if (info.Type != typeof(Node)) return;
        info.PolymorphismOptions = new JsonPolymorphismOptions
        {
            TypeDiscriminatorPropertyName = "kind",
            UnknownDerivedTypeHandling = System.Text.Json.Serialization.JsonUnknownDerivedTypeHandling.FailSerialization,
        };
        foreach (var (type, kind) in Kinds.OrderBy(k => k.Value))
            info.PolymorphismOptions.DerivedTypes.Add(new JsonDerivedType(type, kind));
    }
}
