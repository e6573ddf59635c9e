using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Parsing;

namespace Ascai.Cli.Parsing;

/// <summary>
/// System.CommandLine's parse errors as one line each, in the project's format: an unknown command lists the
/// commands, a value outside an option's choices lists the choices, and nothing spans several lines.
/// </summary>
internal static class ParseErrors
{
    /// <summary>The one line (without "error: ") that describes the first problem of <paramref name="parse"/>.</summary>
    public static string Describe(ParseResult parse, RootCommand root)
    {
        var command = parse.CommandResult.Command;
        string help = $"see 'ascai {(command == root ? "" : command.Name + " ")}--help'";
        if (command == root)
        {
            string commands = string.Join(", ", root.Subcommands.Select(c => c.Name));
            var first = parse.Tokens.FirstOrDefault();
            return first is null ? $"no command given; the commands are: {commands}"
                : first.Value.StartsWith('-') ? $"unknown option '{first.Value}' before the command; the commands are: {commands}"
                : $"unknown command '{first.Value}'; the commands are: {commands}";
        }
        var error = parse.Errors[0];
        var option = error.SymbolResult as OptionResult ?? error.SymbolResult?.Parent as OptionResult;
        if (option is not null && option.Tokens.Count > 0)
        {
            string given = string.Join(" ", option.Tokens.Select(t => t.Value));
            if (Choices(option.Option) is { Length: > 0 } choices) return $"{option.Option.Name} '{given}' is not one of: {string.Join(", ", choices)} ({help})";
            if (Kind(option.Option.ValueType) is { } kind && error.Message.StartsWith("Cannot parse", StringComparison.Ordinal))
                return $"{option.Option.Name} '{given}' is not {kind} ({help})";
        }
        if (command.Options.FirstOrDefault(o => o.Required && error.Message == $"Option '{o.Name}' is required.") is { } required)
            return $"{required.Name} is required ({help})";
        if (parse.UnmatchedTokens.Count > 0)
            return $"unknown option or argument '{parse.UnmatchedTokens[0]}' ({help})";
        return $"{string.Join(" ", error.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))} ({help})";
    }

    private static string? Kind(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(int) || t == typeof(long) => "a whole number",
        var t when t == typeof(double) || t == typeof(float) => "a number",
        var t when t == typeof(float[]) => "a list of numbers",
        _ => null,
    };

    // An enum option's values, or the values an option accepts only from (AcceptOnlyFromAmong registers them as completions).
    private static string[] Choices(Option option)
    {
        var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
        if (type.IsEnum) return Enum.GetNames(type).Select(n => n.ToLowerInvariant()).ToArray();
        if (type != typeof(string)) return [];
        return option.GetCompletions(CompletionContext.Empty).Select(c => c.Label).ToArray();
    }
}
