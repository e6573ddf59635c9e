using System.CommandLine;
using System.Text;
using Ascai.Cli.Commands;

namespace Ascai.Tests.Cli;

/// <summary>
/// docs/commands.md is the command line's own description of itself: every command, every flag, its default. The test
/// fails when the page differs from what the commands say, and <c>ASCAI_WRITE_DOCS=1</c> rewrites it.
/// </summary>
public class CommandReferenceTests
{
    [Fact]
    public void CommandReferenceIsWhatTheCommandsSay()
    {
        var root = AscaiCommands.Root();
        var page = new StringBuilder();
        page.Append("""
            # Command reference

            Generated from the commands themselves (`ASCAI_WRITE_DOCS=1 ./run-tests --filter CommandReference` rewrites
            it; the test suite fails when it is out of date). `ascai COMMAND --help` prints the same. Concepts behind the
            flags: [concepts.md](concepts.md); the data flags in depth: [data.md](data.md).


            """);
        page.Append("| command | what it does |\n|---|---|\n");
        foreach (var command in root.Subcommands) page.Append($"| [`{command.Name}`](#{command.Name}) | {Cell(command.Description)} |\n");
        foreach (var command in root.Subcommands)
        {
            page.Append($"\n## {command.Name}\n\n{command.Description}.\n\n");
            foreach (var argument in command.Arguments) page.Append($"Argument `{argument.Name}`: {argument.Description}.\n\n");
            page.Append("| flag | default | meaning |\n|---|---|---|\n");
            foreach (var option in command.Options.Where(o => o is not System.CommandLine.Help.HelpOption and not VersionOption))
                page.Append($"| `{option.Name}` | {Default(option)} | {Cell(option.Description)}{Choices(option)} |\n");
        }
        string path = Path.Combine(Repository.Root, "docs", "commands.md");
        string text = page.ToString();
        if (Environment.GetEnvironmentVariable("ASCAI_WRITE_DOCS") == "1") File.WriteAllText(path, text);
        Assert.True(File.Exists(path) && File.ReadAllText(path) == text, $"{path} is not what the commands say: run ASCAI_WRITE_DOCS=1 ./run-tests --filter CommandReference");
    }

    private static string Cell(string? text) => (text ?? "").Replace("|", "\\|").Replace("\n", " ");

    private static string Default(Option option)
    {
        if (option.Required) return "required";
        // A default the description states itself depends on the machine or the data ("default: all cores").
        if (!option.HasDefaultValue || option.Description?.Contains("(default", StringComparison.Ordinal) == true) return "";
        object? value = option.GetDefaultValue();
        return value switch
        {
            null => "",
            bool b => b ? "true" : "false",
            string s => s.Length == 0 ? "" : $"`{s}`",
            IFormattable f => $"`{f.ToString(null, System.Globalization.CultureInfo.InvariantCulture).ToLowerInvariant()}`",
            _ => $"`{value.ToString()!.ToLowerInvariant()}`",
        };
    }

    // Enum-typed flags list their values; flags restricted by AcceptOnlyFromAmong say so in their description.
    private static string Choices(Option option)
    {
        var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
        return type.IsEnum ? $" ({string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()))})" : "";
    }
}
