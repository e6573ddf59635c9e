using System.CommandLine;
using System.Text.Json;
using Ascai.Cost;
using Spectre.Console;

namespace Ascai.Cli.Commands;

/// <summary><c>ascai profile</c>: per-layer output shape, MACs, parameters and share of the total.</summary>
internal static class ProfileCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "model file, or a zoo name to profile an untrained architecture", Required = true };
        var json = new Option<bool>("--json") { Description = "print JSON: {\"layers\": [...], \"total\": {\"macs\": N, \"params\": N}}" };
        var input = new Option<string?>("--input-shape") { Description = "input shape for a zoo name, e.g. 3x32x32 (default 1x28x28)" };
        var classes = new Option<int>("--classes") { Description = "classes for a zoo name", DefaultValueFactory = _ => 10 };
        var all = new Option<bool>("--all") { Description = "list every node, not only those with MACs or parameters" };
        var command = new Command("profile", "per-layer MACs and parameters of a model") { model, json, input, classes, all };
        command.SetAction(parse =>
        {
            using var loaded = ModelSource.Open(parse.GetValue(model)!, parse.GetValue(input), parse.GetValue(classes));
            var profile = CostModel.Profile(loaded.Graph);
            var layers = profile.Layers.Where(l => parse.GetValue(all) || l.Macs > 0 || l.Params > 0).ToList();
            if (parse.GetValue(json))
            {
                var document = new
                {
                    layers = layers.Select(l => new { name = l.Name, type = l.Kind, outputShape = l.OutputShape.Dims, macs = l.Macs, @params = l.Params }),
                    total = new { macs = profile.TotalMacs, @params = profile.TotalParams, nonZeroParams = profile.TotalNonZeroParams },
                    baseline = loaded.Info.Compression is { } c ? new { macs = c.BaseMacs, @params = c.BaseParams } : null,
                };
                Console.WriteLine(JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            var table = new Table().Title($"{Markup.Escape(loaded.Info.Architecture)}, input {loaded.Graph.InputShape}")
                .AddColumns("layer", "type", "output", "MACs", "params", "share of MACs");
            foreach (var l in layers)
                table.AddRow(Markup.Escape(l.Name), l.Kind, l.OutputShape.ToString(), l.Macs.ToString("N0"), l.Params.ToString("N0"),
                    profile.TotalMacs > 0 ? $"{100.0 * l.Macs / profile.TotalMacs:F1}%" : "-");
            table.AddRow("[bold]total[/]", "", "", $"[bold]{profile.TotalMacs:N0}[/]", $"[bold]{profile.TotalParams:N0}[/]", "100%");
            AnsiConsole.Write(table);
            if (loaded.Info.Compression is { } origin)
                AnsiConsole.MarkupLine($"compressed from a model of {origin.BaseMacs:N0} MACs and {origin.BaseParams:N0} params: " +
                    $"[bold]{100.0 * profile.TotalMacs / origin.BaseMacs:F1}%[/] of its MACs, {100.0 * profile.TotalParams / origin.BaseParams:F1}% of its params, " +
                    $"{100.0 * profile.TotalNonZeroParams / origin.BaseParams:F1}% non-zero params{(origin.Compact ? " (compact)" : " (masked: run with --compact to remove channels)")}");
            return 0;
        });
        return command;
    }
}
