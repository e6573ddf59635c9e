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
        var dataset = CommonOptions.Dataset();
        var dataDir = CommonOptions.DataDir();
        var valSize = CommonOptions.ValidationSize();
        var seed = CommonOptions.Seed();
        var command = new Command("split", "write the indices of the validation images held out of the training split") { output, dataset, dataDir, valSize, seed };
        command.SetAction((parse, cancel) =>
        {
            string path = parse.GetValue(output)!;
            OutputPath.CheckFile(path, "path");
            var data = DatasetCatalog.Load(parse.GetValue(dataset)!, parse.GetValue(dataDir), parse.GetValue(valSize), parse.GetValue(seed));
            AtomicFile.WriteText(path, string.Join("\n", data.ValidationIndices) + "\n");
            Console.WriteLine($"wrote {data.ValidationIndices.Length} validation indices of {data.Name}'s {data.Train.Count} training images to {path}");
            return Task.FromResult(0);
        });
        return command;
    }
}
