using System.CommandLine;
using Ascai;
using Ascai.Cli.Commands;
using Ascai.Cli.Parsing;

// The native fixes (TorchSharp on Debian 12, malloc tuning) must precede the first tensor.
Ascai.Runtime.NativeRuntime.Initialize();
// Tables written to a file or a pipe (logs, CI) would otherwise wrap at 80 columns.
if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 160;

var root = AscaiCommands.Root();

var parse = root.Parse(args);
bool asksForHelp = parse.Tokens.Any(t => t.Value is "--help" or "-h" or "-?" or "--version");
if (parse.Errors.Count > 0 && !asksForHelp || parse.CommandResult.Command == root && !asksForHelp)
{
    Console.Error.WriteLine($"error: {ParseErrors.Describe(parse, root)}");
    return 2;
}
try
{
    // SIGTERM as SIGINT: the token is cancelled, and a search stops cleanly (its journal resumable) and says so, given the time to.
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = TimeSpan.FromSeconds(60) });
}
catch (SettingException e)
{
    Console.Error.WriteLine($"error: {Flags.Describe(e)}");
    return 1;
}
catch (AscaiException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("interrupted");
    return 130;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException && Environment.GetEnvironmentVariable("ASCAI_DEBUG") != "1")
{
    // The disk, not the input: full, read-only, a path too long. .NET's message names the path; the outputs are written
    // whole or not at all, and a search's journal resumes.
    string hint = e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase) ? " (free some space; an interrupted search continues with --resume)" : "";
    Console.Error.WriteLine($"error: {e.Message.Split('\n')[0]}{hint}");
    return 1;
}
catch (Exception e) when (Environment.GetEnvironmentVariable("ASCAI_DEBUG") != "1")
{
    Console.Error.WriteLine($"error: {e.GetType().Name}: {e.Message.Split('\n')[0]} (set ASCAI_DEBUG=1 for details)");
    return 1;
}
