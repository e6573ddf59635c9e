using System.CommandLine;

namespace Ascai.Cli.Commands;

/// <summary>The <c>ascai</c> command and its subcommands, in the order the help lists them.</summary>
internal static class AscaiCommands
{
    public static RootCommand Root() => new("Ascai: learns how to compress a trained CNN layer by layer (ASCAI, arXiv 1911.06471).")
    {
        TrainCommand.Create(),
        EvalCommand.Create(),
        ProfileCommand.Create(),
        CompressCommand.Create(),
        SearchCommand.Create(),
        FinetuneCommand.Create(),
        DemoCommand.Create(),
        ReportCommand.Create(),
        BenchCommand.Create(),
        ExportCommand.Create(),
        QuantizeCommand.Create(),
        SplitCommand.Create(),
        WorkerCommand.Create(),
    };
}
