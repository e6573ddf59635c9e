using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Ascai.Graph;
using Ascai.Models;
using Ascai.Search;
using Ascai.Serialization;

namespace Ascai.Tests.Cli;

/// <summary>
/// The real command line on a table of bad inputs: each must end with a non-zero exit, exactly one <c>error:</c> line
/// on stderr and nothing else there, nothing written at its output path, and (for mistakes in options and output
/// paths) the error within a second of the CLI's own start-up. The table in docs/bad-input.md is generated from these cases: the test fails
/// when it differs, and <c>ASCAI_WRITE_DOCS=1</c> rewrites it.
/// </summary>
public class BadInputTests
{
    /// <summary>
    /// One bad input: the arguments (split on spaces), the exit code, a part of the error line, the path that must not
    /// be written (or changed), and whether the error must come at once (option and path mistakes).
    /// </summary>
    private sealed record Case(string Args, int Exit, string Error, string? Output = null, bool Fast = true);

    private const string M = "--model model.ascai";

    private static readonly Case[] Cases =
    [
        // The command line itself.
        new("", 2, "no command given; the commands are: train, eval"),
        new("foo", 2, "unknown command 'foo'; the commands are:"),
        new("eval --split train " + M, 2, "--split 'train' is not one of: test, val"),
        new("search --selection foo " + M + " --out run1", 2, "--selection 'foo' is not one of: proportional, tournament", "run1"),
        new("search --population abc " + M + " --out run1", 2, "--population 'abc' is not a whole number", "run1"),
        new("search --max-drop lots " + M + " --out run1", 2, "--max-drop 'lots' is not a number", "run1"),
        new("search --populaton 5 " + M + " --out run1", 2, "--populaton", "run1"),
        new("eval", 2, "--model is required (see 'ascai eval --help')"),
        new("train --model nosuch --out m.ascai", 2, "--model 'nosuch' is not one of:", "m.ascai"),
        new("search " + M + " --out run1 --methods px", 2, "--methods 'px' is not one of: d, d+ps, d+ps+q, pn, ps, ps+q, q", "run1"),
        new("search " + M + " --out run1 --cost flops", 2, "--cost 'flops' is not one of: bops, latency, macs, params", "run1"),
        new("search " + M + " --out run1 --cost latency --backend nats --nats nats://localhost:4222", 1, "--cost latency is timed on this machine", "run1"),
        new("search " + M + " --out run1 --cost latency --latency-batch 0", 1, "--latency-batch must be between 1 and 4096, got 0", "run1"),
        new("search " + M + " --out run1 --strategy best", 2, "--strategy 'best' is not one of:", "run1"),
        new("search " + M + " --out run1 --strategy ddpg --ddpg-warmup -1", 1, "--ddpg-warmup must be at least 0, got -1", "run1"),
        new("search " + M + " --out run1 --strategy ddpg --ddpg-clip everything", 2, "--ddpg-clip 'everything' is not one of:", "run1"),
        new("search " + M + " --out run1 --init-repair mend", 2, "--init-repair 'mend' is not one of:", "run1"),
        // Search settings, each refused before the model is read.
        new("search " + M + " --out run1 --val-size 0", 1, "--val-size must be at least 1, got 0", "run1"),
        new("search " + M + " --out run1 --methods pn --cost macs", 1, "--cost must be params for pn (it removes single weights, not MACs)", "run1"),
        new("search " + M + " --out run1 --methods ps+q --calibration-images 0", 1, "--calibration-images must be at least 1, got 0", "run1"),
        new("search " + M + " --out run1 --val-size -5", 1, "--val-size must be at least 1, got -5", "run1"),
        new("search " + M + " --out run1 --max-drop 200", 1, "--max-drop must be in [0, 100) accuracy points, got 200", "run1"),
        new("search " + M + " --out run1 --max-drop -1", 1, "--max-drop must be in [0, 100)", "run1"),
        new("search " + M + " --out run1 --acc-threshold -10", 1, "--acc-threshold must be in (0, 100] percent, got -10", "run1"),
        new("search " + M + " --out run1 --acc-threshold 150", 1, "--acc-threshold must be in (0, 100]", "run1"),
        new("search " + M + " --out run1 --acc-threshold 90 --max-drop 1", 1, "--acc-threshold and --max-drop both set the accuracy floor", "run1"),
        new("search " + M + " --out run1 --population 2000000000 --budget 4", 1, "--population must be between 2 and 10,000, got 2000000000", "run1"),
        new("search " + M + " --out run1 --population 1", 1, "--population must be between 2 and 10,000, got 1", "run1"),
        new("search " + M + " --out run1 --budget 10", 1, "--population (50) exceeds --budget (10)", "run1"),
        new("search " + M + " --out run1 --generations 0", 1, "--generations must be at least 1", "run1"),
        new("search " + M + " --out run1 --budget 0", 1, "--budget must be at least 1, got 0", "run1"),
        new("search " + M + " --out run1 --p-cross 1.5", 1, "--p-cross must be a probability in [0, 1], got 1.5", "run1"),
        new("search " + M + " --out run1 --p-mutate NaN", 1, "--p-mutate must be a probability in [0, 1], got NaN", "run1"),
        new("search " + M + " --out run1 --polish 300 --budget 300", 1, "--polish (300) must be below --budget (300)", "run1"),
        new("search " + M + " --out run1 --tournament-size 1", 1, "--tournament-size must be at least 2", "run1"),
        new("search " + M + " --out run1 --tournament-size 60", 1, "--tournament-size (60) cannot exceed --population (50)", "run1"),
        new("search " + M + " --out run1 --stagnation 0", 1, "--stagnation must be at least 1", "run1"),
        new("search " + M + " --out run1 --time-limit 0", 1, "--time-limit '0' is not a duration", "run1"),
        new("search " + M + " --out run1 --time-limit soon", 1, "--time-limit 'soon' is not a duration", "run1"),
        new("search " + M + " --out run1 --channel-multiple 0", 2, "--channel-multiple must be between 1 and 256", "run1"),
        new("search " + M + " --out run1 --channel-multiple 100000", 2, "--channel-multiple must be between 1 and 256", "run1"),
        new("search " + M + " --out run1 --finetune-epochs -1", 1, "--finetune-epochs must be between 1 and 1000, got -1", "run1"),
        new("search " + M + " --out run1 --finetune-epochs 0 --finetune-time 5m", 1, "--finetune-time needs fine-tuning", "run1"),
        new("search " + M + " --out run1 --finetune-lr 0", 1, "--finetune-lr must be a positive number, got 0", "run1"),
        new("search " + M + " --out run1 --preset fast", 2, "--preset 'fast' is not one of: default, paper", "run1"),
        new("search " + M + " --out run1 --val-size 2 --confirmation 0.25", 1, "--confirmation 0.25 of the 2 held-out images is 0: it must leave at least one image to confirm on", "run1", Fast: false),
        new("search --model plain.onnx --out run1", 1, "--mean / --std is unknown: plain.onnx records no input normalisation", "run1", Fast: false),
        new("worker --nats nats://127.0.0.1:4222 --cache file.txt", 1, "--cache file.txt is a file"),
        new("search " + M + " --out run1 --threads 0", 1, "--threads must be between 1 and 1024, got 0", "run1"),
        new("search " + M + " --out run1 --workers 0", 1, "--workers must be between 1 and 1024, got 0", "run1"),
        new("search " + M + " --out run1 --backend nats", 1, "--backend nats needs --nats URL", "run1"),
        new("search " + M + " --out run1 --nats nats://127.0.0.1:4222", 1, "--nats is only used with --backend nats", "run1"),
        new("search " + M + " --out run1 --backend nats --nats foo", 1, "--nats 'foo' is not a NATS URL", "run1"),
        new("search " + M + " --out run1 --mean 0.5", 1, "give both --mean and --std", "run1"),
        new("search " + M + " --out run1 --mean 0.5 --std 0", 1, "--mean / --std standard deviation [0] must be finite and positive", "run1"),
        new("search " + M + " --out run1 --mean 0.5 0.5 --std 0.2 0.2", 1, "has 2 means and 2 standard deviations for 1 input channel", "run1", Fast: false),
        new("search --out run1", 1, "--model is required", "run1"),
        new("search " + M, 1, "--out RUN_DIR is required"),
        // Output paths, checked before anything is read.
        new("search " + M + " --out file.txt", 1, "--out file.txt is a file, not a folder", "file.txt"),
        new("search " + M + " --out file.txt/run", 1, "is a file, not a folder"),
        new("search " + M + " --out /proc/ascai/run", 1, "--out /proc/ascai/run: cannot write in /proc"),
        new("search " + M + " --out run", 1, "--out run already holds a run; continue it with --resume run", "run"),
        new("export " + M + " --out .", 1, "--out . is a folder; give a file name"),
        new("export " + M + " --out /proc/model.onnx", 1, "--out /proc/model.onnx: cannot write in /proc"),
        new("export " + M + " --out nothere/model.onnx", 1, "does not exist", "nothere"),
        new("export " + M + " --out m.onnx --format tflite", 2, "--format 'tflite' is not one of: onnx", "m.onnx"),
        new("quantize " + M + " --out m.ascai", 1, "m.ascai: an int8 model is an ONNX file: name it .onnx", "m.ascai"),
        new("quantize " + M + " --out q.onnx --percentile 30", 1, "--percentile must be in (50, 100], got 30", "q.onnx"),
        new("quantize " + M + " --out q.onnx --calibration-images 0", 1, "--calibration-images must be at least 1, got 0", "q.onnx"),
        new("quantize " + M + " --out q.onnx --calibration entropy", 2, "--calibration 'entropy' is not one of", "q.onnx"),
        new("quantize " + M + " --out q.onnx --fp32 nosuch", 1, "--fp32 'nosuch' matches no conv or linear layer", "q.onnx", Fast: false),
        new("export " + M + " --out m.onnx --int8 --check", 1, "--check compares float outputs", "m.onnx"),
        new("finetune " + M + " --out . --epochs 1", 1, "--out . is a folder; give a file name"),
        new("finetune " + M + " --out /proc/m.ascai", 1, "--out /proc/m.ascai: cannot write in /proc"),
        new("train --model lenet5 --out .", 1, "--out . is a folder; give a file name"),
        new("compress " + M + " --settings ratio.json --out .", 1, "--out . is a folder; give a file name"),
        new("split --out .", 1, "--out . is a folder; give a file name"),
        new("report run --out file.txt", 1, "--out file.txt is a file, not a folder", "file.txt"),
        new("demo --out file.txt", 1, "--out file.txt is a file, not a folder", "file.txt"),
        // Models.
        new("search --model missing.ascai --out run1", 1, "missing.ascai: no such model file", "run1"),
        new("eval --model .", 1, ".: a folder, not a model file"),
        new("search --model nan.ascai --out run1", 1, "nan.ascai: tensor conv1.bias holds NaN or infinite values", "run1", Fast: false),
        new("eval --model nan.ascai", 1, "nan.ascai: tensor conv1.bias holds NaN or infinite values", Fast: false),
        new("export --model nan.ascai --out nan.onnx --check", 1, "nan.ascai: tensor conv1.bias holds NaN or infinite values", "nan.onnx", Fast: false),
        new("eval --model std0.ascai", 1, "std0.ascai: the model's input normalisation standard deviation [0] must be finite and positive", Fast: false),
        new("eval --model classes.ascai", 1, "classes.ascai: the model declares 7 classes but its last layer has 10 outputs", Fast: false),
        new("eval --model corrupt.ascai", 1, "corrupt.ascai: corrupt model file", Fast: false),
        new("search --model five.ascai --out run1", 1, "fashion-mnist has 10 classes but the model has 5 outputs", "run1", Fast: false),
        // Data.
        new("search " + M + " --out run1 --dataset foo", 1, "--dataset 'foo' is not one of: fashion-mnist", "run1", Fast: false),
        new("search " + M + " --out run1 --dataset mnist", 1, "--data-dir is required for the data set 'mnist'", "run1", Fast: false),
        new("search " + M + " --out run1 --data-dir nowhere", 1, "nowhere: data directory not found", "run1", Fast: false),
        new("eval " + M + " --split val --val-size 60000", 1, "--val-size must be between 1 and 59999", Fast: false),
        new("search " + M + " --out run1 --include nomatch --val-size 100", 1, "--methods 'ps' finds no layer to search in this model (check --include and --exclude)", "run1", Fast: false),
        new("search " + M + " --out run1 --val-size 5000", 1, "--val-size names 4000 of 5000 validation images (5000 training images drawn with seed 0) that the model was trained on", "run1", Fast: false),
        // The user's data and split.
        new("search " + M + " --out run1 --val-range 10:5", 1, "--val-range '10:5' is not a range A:B of training-split indices with A < B", "run1"),
        new("search " + M + " --out run1 --val-range 0:100 --val-size 100", 1, "--val-size cannot be given with --val-range", "run1"),
        new("search " + M + " --out run1 --val-range 0:100 --val-indices held.txt", 1, "--val-range and --val-indices both name the validation images", "run1"),
        new("search " + M + " --out run1 --val-range 59000:70000", 1, "--val-range 59000:70000 goes past the 60000 training images", "run1", Fast: false),
        new("search " + M + " --out run1 --val-range 59000:60000", 1, "--val-range names 978 of 1000 validation images (training images 59000..59999) that the model was trained on", "run1", Fast: false),
        new("search " + M + " --out run1 --val-indices missing.txt", 1, "--val-indices missing.txt: no such file", "run1", Fast: false),
        new("search " + M + " --out run1 --val-indices twice.txt", 1, "--val-indices twice.txt: line 2: index 5 is listed twice", "run1", Fast: false),
        new("search " + M + " --out run1 --val-dir pics/test", 1, "--val-dir is for image folders and NumPy arrays, not the data set 'fashion-mnist'", "run1", Fast: false),
        new("search " + M + " --out run1 --dataset folder", 1, "--data-dir is required for the data set 'folder'", "run1", Fast: false),
        new("search " + M + " --out run1 --dataset folder --data-dir pics --val-dir pics/train", 1, "--val-dir pics/train is the training folder", "run1", Fast: false),
        new("search " + M + " --out run1 --dataset folder --data-dir empty-class", 1, "empty-class/train/b: class 'b' has no images", "run1", Fast: false),
        new("eval " + M + " --dataset folder --data-dir other-classes", 1, "other-classes/test: its classes differ from the training split's (not in training: c)", Fast: false),
        new("eval " + M + " --dataset folder --data-dir truncated --val-size 1", 1, "truncated/test/b/0.png: not a readable image (truncated)", Fast: false),
        new("eval " + M + " --dataset folder --data-dir small --crop 28 --val-size 1", 1, "small/train/a/0.png: 20x20 pixels, smaller than the 28x28 crop", Fast: false),
        new("eval " + M + " --dataset folder --data-dir small --val-size 1", 1, "small/train/a/0.png: 20x20 pixels, not the 28x28 the model takes", Fast: false),
        new("eval " + M + " --dataset folder --data-dir pics --crop 32", 1, "--crop 32 does not give the model's 28x28 inputs", Fast: false),
        new("eval " + M + " --dataset folder --data-dir pics --resize 2000000000", 1, "--resize must be between 1 and 8192 pixels, got 2000000000"),
        new("eval " + M + " --dataset folder --data-dir twelve --val-size 1", 1, "folder has 12 classes but the model has 10 outputs", Fast: false),
        new("eval " + M + " --dataset npy --data-dir pics", 1, "pics: no training arrays (train_images.npy and train_labels.npy, or train.npz)", Fast: false),
        // Resuming.
        new("search --resume nothere", 1, "--resume nothere is not a run folder (no config.json)"),
        new("search --resume run --seed 3", 1, "--seed cannot be given with --resume"),
        new("search --resume run --methods pn", 1, "--methods cannot be given with --resume"),
        new("search --resume run --out run2", 1, "--out cannot be given with --resume", "run2"),
        new("search --resume run --budget 2", 1, "--budget 2 is below the 4 evaluations the run has already made", Fast: false),
        new("search --resume run --generations 1", 1, "--generations 1 is below the run's 50: a resumed run can only go further", Fast: false),
        new("search --resume run --stagnation 2", 1, "--stagnation 2 would stop the run earlier than its own setting (none)", Fast: false),
        new("search --resume duplicated", 1, "journal.jsonl: line 3 holds evaluation 1, expected 2 (a duplicated, missing or reordered line)", Fast: false),
        // Training and fine-tuning.
        new("train --model lenet5 --out m.ascai --epochs 0", 1, "--epochs must be at least 1, got 0", "m.ascai"),
        new("train --model lenet5 --out m.ascai --batch-size 0", 1, "--batch-size must be at least 1, got 0", "m.ascai"),
        new("train --model lenet5 --out m.ascai --lr -1", 1, "--lr must be a positive number, got -1", "m.ascai"),
        new("finetune " + M + " --out m.ascai --lr 0", 1, "--lr must be a positive number, got 0", "m.ascai"),
        new("finetune " + M + " --out m.ascai --lr 1e30", 1, "--lr 1E+30 made the training diverge", "m.ascai", Fast: false),
        // Compression settings files.
        new("compress " + M + " --settings unknown-key.json --out m.ascai", 1, "unknown-key.json: layer 'conv2': unknown key 'rattio' (known: method, ratio, rank, bin, ranks, bins)", "m.ascai"),
        new("compress " + M + " --settings missing.json --out m.ascai", 1, "missing.json: no such settings file", "m.ascai"),
        new("compress " + M + " --settings bad-ratio.json --out m.ascai --importance l1 --fill zero", 1, "layer 'conv2': ratio 1.5 is outside [0, 1)", "m.ascai"),
        new("compress " + M + " --settings unknown-layer.json --out m.ascai --importance l1 --fill zero", 1, "conv99", "m.ascai", Fast: false),
        new("compress " + M + " --settings ratio.json --out m.ascai --hooi -1", 1, "--hooi must be between 0 and 1000, got -1", "m.ascai"),
        // Other commands.
        new("bench " + M + " --batch 0", 1, "--batch must be between 1 and 65536, got 0"),
        new("bench --model missing.ascai", 1, "missing.ascai: no such model file"),
        new("report nothere", 1, "nothere: not a finished search run"),
        new("report run run", 1, "several runs: give the report folder with --out"),
        new("split --out s.txt --val-size 0", 1, "--val-size must be at least 1, got 0", "s.txt"),
        new("profile --model nosuch", 1, "nosuch: no such model file, and not a zoo architecture"),
        new("profile --model lenet5 --input-shape 1x0x5", 1, "invalid shape '1x0x5'"),
        new("demo --budget 5", 1, "--budget must be at least 20 (the demo's population), got 5"),
        new("worker --nats nats://127.0.0.1:4222 --slots 0", 1, "--slots must be between 1 and 1024, got 0"),
        new("worker --nats foo", 1, "--nats 'foo' is not a NATS URL"),
    ];

    [Fact]
    public void EveryBadInputGivesOneErrorLineAndWritesNothing()
    {
        using var dir = new TempDirectory();
        Fixtures(dir.Path);
        var failures = new List<string>();
        var table = new StringBuilder();
        // Before any long work: the long work (a model's preparation, an evaluation, a search) takes tens of seconds, a
        // fast refusal about a second on an idle machine (reading the model included). The bound leaves room for a
        // machine loaded by other tests, measured against the start-up of the same CLI in this run (a command line that
        // does not parse), so that it measures the work done before the error rather than the host.
        var startUp = Enumerable.Range(0, 3).Select(_ => Cli.Run(dir.Path, ["search"]).Elapsed).Min();
        var fast = TimeSpan.FromSeconds(3) + 2 * startUp;
        foreach (var c in Cases)
        {
            string[] args = c.Args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string? output = c.Output is null ? null : Path.Combine(dir.Path, c.Output);
            string? before = output is not null && File.Exists(output) ? File.ReadAllText(output) : null;
            bool existed = output is not null && Path.Exists(output);
            var result = Cli.Run(dir.Path, args);
            // Paths the library made absolute read as typed, relative to the case's folder.
            var lines = result.ErrorLines.Select(l => l.Replace(dir.Path + "/", "")).ToArray();
            string line = lines.FirstOrDefault() ?? "";
            var problems = new List<string>();
            if (result.ExitCode != c.Exit) problems.Add($"exit {result.ExitCode}, expected {c.Exit}");
            if (lines.Length != 1 || !line.StartsWith("error: ", StringComparison.Ordinal)) problems.Add($"stderr is not one error line: [{string.Join(" | ", lines)}]");
            if (!line.Contains(c.Error, StringComparison.Ordinal)) problems.Add($"the error line lacks '{c.Error}'");
            if (output is not null && (existed ? before != (File.Exists(output) ? File.ReadAllText(output) : null) : Path.Exists(output)))
                problems.Add($"{c.Output} was written");
            if (c.Fast && result.Elapsed > fast) problems.Add($"took {result.Elapsed.TotalSeconds:F2} s (start-up {startUp.TotalSeconds:F2} s)");
            if (problems.Count > 0) failures.Add($"ascai {c.Args}: {string.Join("; ", problems)} (it printed: {string.Join(" | ", lines)})");
            table.AppendLine($"| `ascai {c.Args}` | {result.ExitCode} | {Cell(line.Replace(dir.Path, "."))} |");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Documented(table.ToString());
    }

    private static string Cell(string text) => text.Replace("|", "\\|");

    // The committed page shows every case with the line it gives; it must say what the command line says now.
    private static void Documented(string rows)
    {
        string path = Path.Combine(Repository.Root, "docs", "bad-input.md");
        string page = $"""
            # Bad input

            Every mistake below is refused with one `error:` line on stderr and a non-zero exit (2 for a command line that
            does not parse, 1 otherwise), before any long work starts, and nothing is written where the command would write.
            Mistakes in options and output paths are reported within a second of the command's start-up. The table is generated by the test suite
            (`tests/Ascai.Tests/Cli/BadInputTests.cs`), which runs each line against the real command line in a folder
            holding the committed small VGG as `model.ascai`, a few broken models (`nan.ascai`: a NaN weight; `std0.ascai`:
            a zero standard deviation in its normalisation; `classes.ascai`: 7 declared classes for 10 outputs; `five.ascai`:
            5 outputs; `corrupt.ascai`: not a model), a finished 4-evaluation run folder `run`, the same run with a duplicated
            journal line (`duplicated`), and a file `file.txt`. Regenerate it with `ASCAI_WRITE_DOCS=1 ./run-tests --filter BadInput`.

            From start to error, a bad `--out` takes 0.12 s on `search` and 0.11 s on `finetune` (`hyperfine -N -r 20` of
            `ascai search --model M --out file.txt` and `ascai finetune --model M --out /proc/m.ascai`, on 2 cores): the
            path is checked before the model, the data or a training epoch.

            A model that does no better than chance on its own validation images (at most 1.5 times the share of one class) is
            not refused, but `search` warns before it starts, and the summary keeps the warning: such a model is almost always
            fed inputs unlike its training's, most often another normalisation (`warning: the model scores 9.4% on its 2000
            validation images, about chance for 10 classes: its inputs are probably not what it was trained on (check --mean /
            --std, the channels and the image size)`).

            | command | exit | what it prints |
            |---|---|---|
            {rows.TrimEnd()}

            """;
        if (Environment.GetEnvironmentVariable("ASCAI_WRITE_DOCS") == "1") File.WriteAllText(path, page);
        Assert.True(File.Exists(path) && File.ReadAllText(path) == page, $"{path} is not the table the suite generates: run ASCAI_WRITE_DOCS=1 ./run-tests --filter BadInput");
    }

    /// <summary>Writes the models, settings files and run folders the cases read.</summary>
    private static void Fixtures(string dir)
    {
        File.Copy(Repository.Model("vgg-small-fashion-mnist.ascai"), Path.Combine(dir, "model.ascai"));
        File.WriteAllText(Path.Combine(dir, "file.txt"), "not a folder\n");
        // A PyTorch export: it records no input normalisation.
        File.Copy(Path.Combine(Repository.Root, "tests", "fixtures", "pytorch", "fashion-last-1000.onnx"), Path.Combine(dir, "plain.onnx"));
        File.WriteAllBytes(Path.Combine(dir, "corrupt.ascai"), Enumerable.Range(0, 512).Select(i => (byte)(i * 37)).ToArray());
        string lenet = Path.Combine(dir, "lenet.ascai");
        using (var graph = ModelZoo.Create("lenet5", new Shape(1, 28, 28), 10))
            ModelFile.Save(new Model(graph, new ModelInfo { Architecture = "lenet5", NumClasses = 10 }), lenet);
        using (var graph = ModelZoo.Create("lenet5", new Shape(1, 28, 28), 5))
            ModelFile.Save(new Model(graph, new ModelInfo { Architecture = "lenet5", NumClasses = 5 }), Path.Combine(dir, "five.ascai"));
        // Broken models are written by editing a valid file, since Ascai itself refuses to write them.
        Edit(lenet, Path.Combine(dir, "nan.ascai"), tensors: bytes => BitConverter.GetBytes(float.NaN).CopyTo(bytes, 0));
        Edit(lenet, Path.Combine(dir, "std0.ascai"), json: model => model["info"]!["normalization"]!["std"] = new JsonArray(0));
        Edit(lenet, Path.Combine(dir, "classes.ascai"), json: model => model["info"]!["numClasses"] = 7);
        File.WriteAllText(Path.Combine(dir, "ratio.json"), """{ "conv2": { "method": "ps", "ratio": 0.5 } }""");
        File.WriteAllText(Path.Combine(dir, "bad-ratio.json"), """{ "conv2": { "method": "ps", "ratio": 1.5 } }""");
        File.WriteAllText(Path.Combine(dir, "unknown-key.json"), """{ "conv2": { "method": "ps", "rattio": 0.5 } }""");
        File.WriteAllText(Path.Combine(dir, "unknown-layer.json"), """{ "conv99": { "method": "ps", "ratio": 0.5 } }""");
        File.WriteAllText(Path.Combine(dir, "held.txt"), "1\n2\n");
        File.WriteAllText(Path.Combine(dir, "twice.txt"), "5\n5\n");
        var grey = new byte[28 * 28];
        void Folder(string name, string[] train, string[] test, int size = 28)
        {
            foreach (var (split, classes) in new[] { ("train", train), ("test", test) })
                foreach (string c in classes)
                    Ascai.Tests.Data.ImageFiles.WritePng(Path.Combine(dir, name, split, c, "0.png"), new byte[size * size], 1, size, size);
        }
        Folder("pics", ["a", "b"], ["a", "b"]);
        Folder("empty-class", ["a"], ["a"]);
        Directory.CreateDirectory(Path.Combine(dir, "empty-class", "train", "b"));
        Folder("other-classes", ["a", "b"], ["a", "b", "c"]);
        Folder("truncated", ["a", "b"], ["a", "b"]);
        string cut = Path.Combine(dir, "truncated", "test", "b", "0.png");
        File.WriteAllBytes(cut, File.ReadAllBytes(cut)[..40]);
        Folder("small", ["a", "b"], ["a", "b"], size: 20);
        var twelve = Enumerable.Range(0, 12).Select(i => $"c{i:D2}").ToArray();
        Folder("twelve", twelve, twelve);
        string run = Path.Combine(dir, "run");
        SearchRunner.Start(new SearchConfig
        {
            Model = Path.Combine(dir, "model.ascai"), Evaluation = new Ascai.Evaluation.EvaluationSpec { Include = ["fc1"] }, Data = new Ascai.Data.DataOptions { ValidationSize = 100 }, Strategy = "uniform",
            Confirmation = 0, Confidence = null, FineTune = null, Options = new SearchOptions { Budget = 4 },
        }, run);
        string duplicated = Path.Combine(dir, "duplicated");
        Directory.CreateDirectory(duplicated);
        foreach (string file in Directory.GetFiles(run)) File.Copy(file, Path.Combine(duplicated, Path.GetFileName(file)));
        var lines = File.ReadAllLines(Path.Combine(run, RunStore.JournalFile));
        File.WriteAllLines(Path.Combine(duplicated, RunStore.JournalFile), [lines[0], lines[1], lines[1], .. lines[2..]]);
    }

    private static void Edit(string source, string target, Action<JsonNode>? json = null, Action<byte[]>? tensors = null)
    {
        File.Copy(source, target);
        using var zip = ZipFile.Open(target, ZipArchiveMode.Update);
        if (json is not null) Rewrite(zip, "model.json", bytes =>
        {
            var node = JsonNode.Parse(bytes)!;
            json(node);
            return Encoding.UTF8.GetBytes(node.ToJsonString());
        });
        if (tensors is not null) Rewrite(zip, "tensors.bin", bytes => { tensors(bytes); return bytes; });
    }

    private static void Rewrite(ZipArchive zip, string name, Func<byte[], byte[]> change)
    {
        var entry = zip.GetEntry(name)!;
        byte[] bytes;
        using (var stream = entry.Open())
        using (var copy = new MemoryStream()) { stream.CopyTo(copy); bytes = copy.ToArray(); }
        entry.Delete();
        using var replaced = zip.CreateEntry(name).Open();
        replaced.Write(change(bytes));
    }
}
