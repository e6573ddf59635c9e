using Ascai.Cost;
using Spectre.Console;

namespace Ascai.Cli.Commands;

/// <summary>Prints a before / after cost table: per compressed layer, then totals and ratios.</summary>
internal static class CostReport
{
    public static void Write(ModelProfile before, ModelProfile after)
    {
        var table = new Table().AddColumns("layer", "MACs before", "MACs after", "params before", "params after", "non-zero after");
        var afterByName = after.Layers.ToDictionary(l => l.Name);
        foreach (var layer in before.Layers.Where(l => l.Macs > 0 || l.Params > 0))
        {
            // A decomposed layer lives on as its factors, named after it.
            var parts = after.Layers.Where(l => l.Name == layer.Name || l.Name.StartsWith(layer.Name + ".", StringComparison.Ordinal)).ToList();
            long macs = parts.Sum(p => p.Macs), parameters = parts.Sum(p => p.Params), nonZero = parts.Sum(p => p.NonZeroParams);
            if (macs == layer.Macs && parameters == layer.Params && nonZero == layer.NonZeroParams) continue;
            table.AddRow(Markup.Escape(layer.Name), layer.Macs.ToString("N0"), macs.ToString("N0"), layer.Params.ToString("N0"), parameters.ToString("N0"), nonZero.ToString("N0"));
        }
        table.AddRow("[bold]total[/]", $"{before.TotalMacs:N0}", $"{after.TotalMacs:N0} ({Ratio(after.TotalMacs, before.TotalMacs)})",
            $"{before.TotalParams:N0}", $"{after.TotalParams:N0} ({Ratio(after.TotalParams, before.TotalParams)})",
            $"{after.TotalNonZeroParams:N0} ({Ratio(after.TotalNonZeroParams, before.TotalNonZeroParams)})");
        AnsiConsole.Write(table);
    }

    private static string Ratio(long after, long before) => before == 0 ? "-" : $"{100.0 * after / before:F1}%";
}
