namespace Ascai.Quantization;

/// <summary>How a model is quantised to int8: calibration and which layers stay float32. Defaults are what users get.</summary>
public sealed record Int8Options
{
    /// <summary>Training-split calibration images the activation ranges are measured on.</summary>
    public int CalibrationImages { get; init; } = 512;

    /// <summary>How each activation's range is read off the calibration images.</summary>
    public CalibrationMethod Method { get; init; } = CalibrationMethod.Percentile;

    /// <summary>Percentile of <see cref="CalibrationMethod.Percentile"/> (the same share is clipped below and above).</summary>
    public double Percentile { get; init; } = 99.99;

    /// <summary>Glob patterns of conv / linear layers kept in float32 (empty: every conv and linear layer is int8).</summary>
    public string[] Float32Layers { get; init; } = [];

    /// <summary>Throws <see cref="SettingException"/> on a setting out of range.</summary>
    public void Validate()
    {
        if (CalibrationImages < 1) throw new SettingException(SettingException.Of<Int8Options>(nameof(CalibrationImages)), $"must be at least 1, got {CalibrationImages}");
        if (!(Percentile > 50 && Percentile <= 100)) throw new SettingException(SettingException.Of<Int8Options>(nameof(Percentile)), $"must be in (50, 100], got {Percentile}");
        if (!Enum.IsDefined(Method)) throw new SettingException(SettingException.Of<Int8Options>(nameof(Method)), $"'{Method}' is not a calibration method");
    }
}
