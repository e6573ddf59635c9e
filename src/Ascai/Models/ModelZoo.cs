using Ascai.Graph;
using static TorchSharp.torch;

namespace Ascai.Models;

/// <summary>The architectures Ascai builds by name, for any input shape and class count.</summary>
public static class ModelZoo
{
    private static readonly Dictionary<string, Func<Shape, int, LayerGraph>> Builders = new(StringComparer.OrdinalIgnoreCase)
    {
        ["lenet5"] = LeNet5.Build,
        ["vgg-small"] = (s, k) => Vgg.Build(s, k, Vgg.Small, hidden: 256),
        ["vgg11"] = (s, k) => Vgg.Build(s, k, Vgg.Vgg11, hidden: 512, dropout: 0.5),
        ["vgg16"] = (s, k) => Vgg.Build(s, k, Vgg.Vgg16, hidden: 512, dropout: 0.5),
        ["resnet20"] = (s, k) => CifarResNet.Build(s, k, 20),
        ["resnet56"] = (s, k) => CifarResNet.Build(s, k, 56),
        ["mobilenetv2"] = (s, k) => MobileNetV2.Build(s, k),
    };

    /// <summary>Names accepted by <see cref="Create"/>.</summary>
    public static IEnumerable<string> Names => Builders.Keys;

    /// <summary>Whether <paramref name="name"/> is a zoo architecture.</summary>
    public static bool Contains(string name) => Builders.ContainsKey(name);

    /// <summary>Builds a freshly initialised model; the same seed gives the same weights.</summary>
    public static LayerGraph Create(string name, Shape input, int numClasses, int seed = 0)
    {
        if (!Builders.TryGetValue(name, out var build))
            throw new AscaiException($"unknown model '{name}' (zoo: {string.Join(", ", Names)})");
        if (numClasses < 2) throw new AscaiException($"a classifier needs at least 2 classes, got {numClasses}");
        random.manual_seed(seed);
        return build(input, numClasses);
    }
}
