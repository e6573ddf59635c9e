using System.Text.RegularExpressions;

namespace Ascai.Tests;

/// <summary>
/// The library's folders may depend only on the folders docs/architecture.md allows: a new dependency is a decision,
/// made by changing the table there and here, not an accident of a <c>using</c>.
/// </summary>
public class ArchitectureTests
{
    // Each folder of src/Ascai and the folders it may use. The data path runs Data -> Graph -> Cost -> Compression ->
    // Evaluation -> Search -> Reporting; Runtime, Serialization and Onnx serve every step.
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Runtime"] = [],
        ["Graph"] = ["Runtime"],
        ["Serialization"] = ["Graph"],
        ["Data"] = ["Graph"],
        ["Models"] = ["Graph"],
        ["Cost"] = ["Graph"],
        ["Onnx"] = ["Graph", "Runtime"],
        ["Compression"] = ["Graph", "Data", "Cost", "Runtime", "Serialization"],
        ["Quantization"] = ["Graph", "Data", "Cost", "Onnx", "Serialization"],
        ["Training"] = ["Graph", "Data", "Evaluation"],
        ["Evaluation"] = ["Graph", "Data", "Cost", "Compression", "Onnx", "Quantization", "Serialization"],
        ["Search"] = ["Graph", "Data", "Cost", "Compression", "Evaluation", "Quantization", "Serialization", "Training"],
        ["Distributed"] = ["Graph", "Data", "Compression", "Evaluation", "Search", "Serialization"],
        ["Reporting"] = ["Graph", "Cost", "Compression", "Evaluation", "Quantization", "Search", "Serialization"],
    };

    [Fact]
    public void NoTwoFoldersMayUseEachOther()
    {
        var mutual = Allowed.SelectMany(a => a.Value.Where(b => Allowed[b].Contains(a.Key)).Select(b => $"{a.Key} <-> {b}")).ToList();
        Assert.True(mutual.Count == 0, "folders that may use each other: " + string.Join(", ", mutual));
    }

    [Fact]
    public void EachFolderUsesOnlyTheFoldersItMay()
    {
        string library = Path.Combine(Repository.Root, "src", "Ascai");
        var folders = Directory.GetDirectories(library).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj")).ToList();
        Assert.Equal(Allowed.Keys.Order(), folders.Order()!);
        var reference = new Regex(@"\bAscai\.(" + string.Join("|", folders) + @")\b");
        var violations = new List<string>();
        foreach (string folder in folders!)
            foreach (string file in Directory.EnumerateFiles(Path.Combine(library, folder!), "*.cs", SearchOption.AllDirectories))
                foreach (Match match in reference.Matches(File.ReadAllText(file)))
                {
                    string used = match.Groups[1].Value;
                    if (used != folder && !Allowed[folder!].Contains(used))
                        violations.Add($"{Path.GetRelativePath(library, file)} uses {used}");
                }
        Assert.True(violations.Count == 0, "dependencies docs/architecture.md does not allow:\n" + string.Join("\n", violations.Distinct()));
    }
}
