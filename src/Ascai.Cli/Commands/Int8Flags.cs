using System.CommandLine;
using Ascai.Cli.Parsing;
using Ascai.Quantization;

namespace Ascai.Cli.Commands;

/// <summary>The flags of <see cref="Int8Options"/>, shared by <c>quantize</c>, <c>export --int8</c> and (calibration only) <c>search</c>.</summary>
internal sealed record Int8Flags(Option<int> CalibrationImages, Option<CalibrationMethod> Method, Option<double> Percentile, Option<string[]> Float32)
{
    private static string Key(string property) => SettingException.Of<Int8Options>(property);

    public static Int8Flags Create(Int8Options? defaults = null)
    {
        defaults ??= new Int8Options();
        return new(
            new Option<int>("--calibration-images") { Description = "training images the activation ranges are calibrated on", DefaultValueFactory = _ => defaults.CalibrationImages }
                .Gives(Key(nameof(Int8Options.CalibrationImages))),
            new Option<CalibrationMethod>("--calibration") { Description = "activation ranges: minmax (all values) or percentile (clips the rarest)", DefaultValueFactory = _ => defaults.Method }
                .Gives(Key(nameof(Int8Options.Method))),
            new Option<double>("--percentile") { Description = "percentile calibration: the share of values kept below the upper bound (and above the lower)", DefaultValueFactory = _ => defaults.Percentile }
                .Gives(Key(nameof(Int8Options.Percentile))),
            new Option<string[]>("--fp32") { Description = "conv / linear layers kept in float32 (globs; default: every one is int8)", AllowMultipleArgumentsPerToken = true }
                .Gives(Key(nameof(Int8Options.Float32Layers))));
    }

    /// <summary>The flags, to add to a command.</summary>
    public Option[] All => [CalibrationImages, Method, Percentile, Float32];

    /// <summary>The calibration flags alone (a search chooses each layer's precision itself).</summary>
    public Option[] Calibration => [CalibrationImages, Method, Percentile];

    /// <summary>The options given, checked; <paramref name="withLayers"/> false when the command has no <c>--fp32</c>.</summary>
    public Int8Options Read(ParseResult parse, bool withLayers = true)
    {
        var options = new Int8Options
        {
            CalibrationImages = parse.GetValue(CalibrationImages), Method = parse.GetValue(Method), Percentile = parse.GetValue(Percentile),
            Float32Layers = withLayers ? parse.GetValue(Float32) ?? [] : [],
        };
        options.Validate();
        return options;
    }
}
