using System.CommandLine;
using Ascai.Data;
using Ascai.Serialization;

namespace Ascai.Cli.Commands;

/// <summary>
/// <c>ascai split --out FILE</c>: the indices (into the training split) of the validation images Ascai holds out, one
/// per line, so that a model trained elsewhere (PyTorch) can leave out the very images the search will score it on.
/// </summary>
internal static class SplitCommand
{
    public static Command Create()
    {
        var output = CommonOptions.Output("file to write (one training-split index per line)");
        var flags = DataFlags.Create();
        var seed = CommonOptions.Seed();
        var command = new Command("split", "write the indices of the validation images held out of the training split") { output, seed };
        foreach (var option in flags.All) command.Add(option);
        command.SetAction((parse, cancel) =>
        {
            string path = parse.GetValue(output)!;
            OutputPath.CheckFile(path, "path");
            var data = DatasetCatalog.Load(flags.Read(parse), null, parse.GetValue(seed));
            if (data.ValidationSource is not null) throw new AscaiException($"{data.Name}'s validation images are a folder of their own ({data.Split}), not training-split indices");
            AtomicFile.WriteText(path, string.Join("\n", data.ValidationIndices) + "\n");
            Console.WriteLine($"wrote {data.ValidationIndices.Length} validation indices of {data.Name}'s {data.Train.Count} training images to {path}");
            return Task.FromResult(0);
        });
        return command;
    }
}
