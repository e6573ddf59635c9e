using System.Text.RegularExpressions;
using Ascai.Tests.Data;

namespace Ascai.Tests.Cli;

/// <summary>
/// The README's five-minute tour, run as written on an RGB model as users have them: a CNN trained in PyTorch on an
/// image folder, exported with its batch-norms folded, its own input and output names and ImageNet's normalisation
/// (tests/fixtures/rgb/shapes.onnx). Only the tour's placeholders change: my-cnn.onnx is that model, ~/flowers its
/// image folder, drawn at test time.
/// </summary>
public class ReadmeTourTests
{
    [Fact]
    public void TheTourRunsAsWrittenOnAnRgbModel()
    {
        using var dir = new TempDirectory();
        string folder = ShapeImages.Write(dir.File("flowers"));
        var commands = TourCommands();
        Assert.True(commands.Count >= 8, $"the tour has {commands.Count} commands");
        foreach (var command in commands)
        {
            string[] args = [.. command.Select(a => a == "my-cnn.onnx" ? ShapeImages.Model : a == "~/flowers" ? folder : a)];
            var result = Cli.Run(dir.Path, args, TimeSpan.FromMinutes(8));
            Assert.True(result.ExitCode == 0, $"ascai {string.Join(' ', command)} exited {result.ExitCode}:\n{result.Stdout}\n{result.Stderr}");
            Assert.DoesNotContain("error:", result.Stderr);
        }
        // The exported model is a drop-in replacement: the original's input and output names.
        var (input, output, opset) = Ascai.Onnx.OnnxExporter.Signature(File.ReadAllBytes(Path.Combine(dir.File("runs"), "flowers", Ascai.Search.RunStore.BestOnnxFile)));
        Assert.Equal(("images", "logits"), (input, output));
        Assert.True(opset >= 13);
        Assert.True(File.Exists(Path.Combine(dir.File("runs"), "flowers", "report", Ascai.Reporting.ReportBuilder.HtmlFile)));
        Assert.True(File.Exists(Path.Combine(dir.File("runs"), "flowers-int8", Ascai.Search.RunStore.SummaryFile)));
    }

    /// <summary>The `./ascai` command lines of the README's tour, continuation lines joined, comments dropped, split into arguments.</summary>
    private static List<string[]> TourCommands()
    {
        string readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        var block = Regex.Match(readme, @"## A five-minute tour\s+```sh\n(.*?)```", RegexOptions.Singleline);
        Assert.True(block.Success, "README.md has no tour");
        string joined = block.Groups[1].Value.Replace("\\\n", " ");
        return joined.Split('\n')
            .Select(line => line.Split('#')[0].Trim())
            .Where(line => line.StartsWith("./ascai "))
            .Select(line => line["./ascai ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToList();
    }
}
