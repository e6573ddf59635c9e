using System.CommandLine;
using System.CommandLine.Parsing;
using Ascai.Cli.Parsing;
using Ascai.Compression;
using Ascai.Data;
using Ascai.Search;

namespace Ascai.Cli.Commands;

/// <summary>
/// The flags of <see cref="DataOptions"/>: which data set, where, how its validation images are chosen, and how image
/// folders become inputs. Every command that reads data takes all of them.
/// </summary>
internal sealed record DataFlags(Option<string> Dataset, Option<string?> DataDir, Option<int?> ValidationSize, Option<string?> ValidationRange,
    Option<string?> ValidationIndices, Option<string?> ValidationDir, Option<int?> Resize, Option<int?> Crop, Option<int> ImageCache)
{
    private static string Key(string property) => SettingException.Of<DataOptions>(property);

    public static DataFlags Create() => new(
        new Option<string>("--dataset") { Description = $"data set: {string.Join(", ", DatasetCatalog.Names)}", DefaultValueFactory = _ => "fashion-mnist" }
            .Gives(Key(nameof(DataOptions.Dataset)), "dataset"),
        CommonOptions.DataDir(),
        new Option<int?>("--val-size") { Description = $"validation images drawn from the training split with a seeded shuffle (default {DatasetSplits.DefaultValidationSize})" }
            .Gives(Key(nameof(DataOptions.ValidationSize))),
        new Option<string?>("--val-range") { Description = "training-split images A..B-1 are the validation images (the images your training held out), e.g. 59000:60000" }
            .Gives(Key(nameof(DataOptions.ValidationRange))),
        new Option<string?>("--val-indices") { Description = "file of training-split indices (one per line) that are the validation images" }
            .Gives(Key(nameof(DataOptions.ValidationIndices))),
        new Option<string?>("--val-dir") { Description = "folder of held-out images of their own (folder: CLASS/IMAGE; npy: val_images.npy, val_labels.npy); DIR/val is used when present" }
            .Gives(Key(nameof(DataOptions.ValidationDir))),
        new Option<int?>("--resize") { Description = "image folders: resize the shorter side to this first (torchvision's Resize, bilinear as Pillow)" }
            .Gives(Key(nameof(DataOptions.Resize))),
        new Option<int?>("--crop") { Description = "image folders: then centre-crop to this square (torchvision's CenterCrop; default: the model's input size, which the images must then have)" }
            .Gives(Key(nameof(DataOptions.Crop))),
        new Option<int>("--image-cache-mb") { Description = "image folders: megabytes of decoded images kept for reuse (larger folders stream through)", DefaultValueFactory = _ => new DataOptions().ImageCacheMegabytes }
            .Gives(Key(nameof(DataOptions.ImageCacheMegabytes))));

    /// <summary>The flags, to add to a command.</summary>
    public Option[] All => [Dataset, DataDir, ValidationSize, ValidationRange, ValidationIndices, ValidationDir, Resize, Crop, ImageCache];

    /// <summary>The data options given, checked.</summary>
    public DataOptions Read(ParseResult parse)
    {
        var options = new DataOptions
        {
            Dataset = parse.GetValue(Dataset)!, DataDir = parse.GetValue(DataDir), ValidationSize = parse.GetValue(ValidationSize),
            ValidationRange = parse.GetValue(ValidationRange), ValidationIndices = parse.GetValue(ValidationIndices), ValidationDir = parse.GetValue(ValidationDir),
            Resize = parse.GetValue(Resize), Crop = parse.GetValue(Crop), ImageCacheMegabytes = parse.GetValue(ImageCache),
        };
        options.Validate();
        return options;
    }
}

/// <summary>Options several commands share, defined once so they read the same everywhere.</summary>
internal static class CommonOptions
{
    public static Option<string?> DataDir() => new Option<string?>("--data-dir")
    {
        Description = $"folder with the data set's files (default for fashion-mnist: {DatasetCatalog.DefaultFashionMnistDir})",
    }.Gives(Data(nameof(DataOptions.DataDir)));

    private static string Data(string property) => SettingException.Of<DataOptions>(property);

    /// <summary>The file or folder a command writes.</summary>
    public static Option<string> Output(string description, bool required = true) => new("--out") { Description = description, Required = required };

    /// <summary>What replaces a structurally pruned channel in the layers that read it.</summary>
    public static Option<PrunedChannelFill> Fill() => new Option<PrunedChannelFill>("--fill")
    {
        Description = "pruned channels (ps): linear (their least-squares estimate from the kept channels, fitted on training images, folded into the next layer's weights), mean (their mean activation folded into the next layer's bias) or zero (the paper's)",
        DefaultValueFactory = _ => new Ascai.Evaluation.EvaluationSpec().Fill,
    }.Gives(SettingException.Of<Ascai.Evaluation.EvaluationSpec>(nameof(Ascai.Evaluation.EvaluationSpec.Fill)), SettingException.Of<CompressionContext>(nameof(CompressionContext.Fill)));

    /// <summary>Rounding of the channels structured pruning keeps.</summary>
    public static Option<int> ChannelMultiple()
    {
        var option = new Option<int>("--channel-multiple")
        {
            Description = "ps keeps a multiple of this many channels per layer, so pruned models really run faster (8: small models, fast on any CPU; 16: the AVX-512 block of ONNX Runtime's fast convolutions, a few percent faster for more MACs; 1 = exact, the paper's)",
            DefaultValueFactory = _ => new Ascai.Evaluation.EvaluationSpec().ChannelMultiple,
        }.Gives(SettingException.Of<Ascai.Evaluation.EvaluationSpec>(nameof(Ascai.Evaluation.EvaluationSpec.ChannelMultiple)), SettingException.Of<CompressionContext>(nameof(CompressionContext.ChannelMultiple)));
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > Ascai.Evaluation.EvaluationSpec.MaxChannelMultiple)
                r.AddError($"--channel-multiple must be between 1 and {Ascai.Evaluation.EvaluationSpec.MaxChannelMultiple}");
        });
        return option;
    }

    /// <summary>Per-channel input mean of a model that does not record it (ONNX).</summary>
    public static Option<float[]> Mean() => new("--mean")
    {
        Description = "input mean: one value for every channel, or one per channel (a PyTorch export records none: give the one its training used; a model Ascai wrote records its own)", AllowMultipleArgumentsPerToken = true,
    };

    /// <summary>Per-channel input standard deviation of a model that does not record it (ONNX).</summary>
    public static Option<float[]> Std() => new("--std")
    {
        Description = "input standard deviation: one value for every channel, or one per channel", AllowMultipleArgumentsPerToken = true,
    };

    /// <summary>The normalisation --mean and --std give, or null when neither is given; checked at once.</summary>
    public static Ascai.Graph.Normalization? Normalization(ParseResult parse, Option<float[]> mean, Option<float[]> std)
    {
        float[]? m = parse.GetValue(mean), s = parse.GetValue(std);
        if ((m is null || m.Length == 0) && (s is null || s.Length == 0)) return null;
        if (m is null || s is null || m.Length == 0 || s.Length == 0) throw new AscaiException("give both --mean and --std (one value for every channel, or one per channel)");
        var normalization = new Ascai.Graph.Normalization(m, s);
        normalization.Validate("Normalization");
        return normalization;
    }

    public static Option<int> Seed() => new Option<int>("--seed") { Description = "random seed", DefaultValueFactory = _ => 0 }
        .Gives(SettingException.Of<SearchOptions>(nameof(SearchOptions.Seed)), SettingException.Of<Ascai.Training.TrainOptions>(nameof(Ascai.Training.TrainOptions.Seed)));

    public static Option<int> Threads() => new("--threads")
    {
        Description = "CPU threads for tensor operations (default: all cores)",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    /// <summary>The NATS token (also read from ASCAI_NATS_TOKEN, which keeps it out of process listings).</summary>
    public static Option<string?> NatsToken() => new("--nats-token")
    {
        Description = "token the NATS server requires (default: $ASCAI_NATS_TOKEN)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ASCAI_NATS_TOKEN"),
    };

    /// <summary>Prints a warning from the library (settings in braces named by their flags) on stderr.</summary>
    public static void Warn(string warning) => Console.Error.WriteLine($"warning: {SettingException.Name(warning, key => Flags.Of(key) ?? key)}");

    /// <summary>Whether the user typed <paramref name="option"/> (rather than leaving it at its default).</summary>
    public static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is OptionResult { Implicit: false };

    /// <summary>Checks the thread count and applies it to libtorch.</summary>
    public static void ApplyThreads(int threads)
    {
        CheckThreads(threads);
        TorchSharp.torch.set_num_threads(threads);
    }

    /// <summary>Throws unless <paramref name="threads"/> is a usable thread count.</summary>
    public static void CheckThreads(int threads)
    {
        if (threads is < 1 or > 1024) throw new AscaiException($"--threads must be between 1 and 1024, got {threads}");
    }

    /// <summary>
    /// Applies the thread count shared by <paramref name="sharers"/> candidates evaluated at once (given by the
    /// option <paramref name="sharersOption"/>): each gets its share, since more would only fight over the cores.
    /// </summary>
    public static void ApplyThreads(int threads, int sharers, string sharersOption)
    {
        if (sharers is < 1 or > 1024) throw new AscaiException($"{sharersOption} must be between 1 and 1024, got {sharers}");
        ApplyThreads(threads);
        if (sharers > 1) ApplyThreads(Math.Max(1, threads / sharers));
    }
}
