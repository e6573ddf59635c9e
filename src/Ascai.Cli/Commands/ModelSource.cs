using Ascai.Graph;
using Ascai.Models;
using Ascai.Serialization;

namespace Ascai.Cli.Commands;

/// <summary>Resolves a <c>--model</c> argument: a model file, or a zoo name (untrained, for profiling).</summary>
internal static class ModelSource
{
    public static Model Open(string spec, string? inputShape = null, int classes = 10)
    {
        if (File.Exists(spec)) return ModelFile.Load(spec);
        if (ModelZoo.Contains(spec))
        {
            var graph = ModelZoo.Create(spec, Shape.Parse(inputShape ?? "1x28x28"), classes);
            return new Model(graph, new ModelInfo { Architecture = spec, NumClasses = classes });
        }
        throw new AscaiException($"{spec}: no such model file, and not a zoo architecture ({string.Join(", ", ModelZoo.Names)})");
    }
}
