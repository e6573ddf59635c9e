using Ascai.Data;
using Ascai.Graph;
using Ascai.Training;
using Spectre.Console;

namespace Ascai.Cli.Commands;

/// <summary>Shows long work: a live bar on a terminal, one line per epoch elsewhere (logs, CI).</summary>
internal static class ProgressDisplay
{
    public static IReadOnlyList<EpochResult> Train(LayerGraph graph, DatasetSplits data, TrainOptions options, CancellationToken cancel)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            return Trainer.Train(graph, data, options, new SynchronousProgress<TrainProgress>(p =>
            {
                if (p.ValidationAccuracy is { } val)
                    Console.WriteLine($"epoch {p.Epoch}/{p.Epochs}  loss {p.Loss:F4}  train {p.TrainAccuracy:F2}%  val {val:F2}%  elapsed {p.Elapsed:hh\\:mm\\:ss}  eta {Eta(p):hh\\:mm\\:ss}");
            }), cancel);
        }
        IReadOnlyList<EpochResult> results = [];
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("training", maxValue: 1.0);
                double? lastVal = null;
                results = Trainer.Train(graph, data, options, new SynchronousProgress<TrainProgress>(p =>
                {
                    lastVal = p.ValidationAccuracy ?? lastVal;
                    task.Value = p.Fraction;
                    task.Description = $"epoch {p.Epoch}/{p.Epochs} loss {p.Loss:F3} train {p.TrainAccuracy:F1}%" + (lastVal is { } v ? $" val {v:F1}%" : "");
                }), cancel);
                task.Value = 1.0;
            });
        return results;
    }

    private static TimeSpan Eta(TrainProgress p) =>
        p.Fraction > 0 ? TimeSpan.FromSeconds(p.Elapsed.TotalSeconds * (1 - p.Fraction) / p.Fraction) : TimeSpan.Zero;
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread (no synchronisation-context hop).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
