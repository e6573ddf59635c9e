namespace Ascai.Graph;

/// <summary>Per-channel input normalisation applied to pixels scaled to [0, 1]: (x - mean) / std.</summary>
public sealed record Normalization(float[] Mean, float[] Std)
{
    /// <summary>
    /// One mean and one standard deviation per channel of a <paramref name="channels"/>-channel input: a single value (as
    /// torchvision users often write it) stands for every channel.
    /// </summary>
    public Normalization For(int channels) =>
        Mean.Length == channels && Std.Length == channels ? this
        : new(Mean.Length == 1 ? Enumerable.Repeat(Mean[0], channels).ToArray() : Mean, Std.Length == 1 ? Enumerable.Repeat(Std[0], channels).ToArray() : Std);

    /// <summary>Equal statistics, value by value.</summary>
    public bool Equals(Normalization? other) => other is not null && Mean.SequenceEqual(other.Mean) && Std.SequenceEqual(other.Std);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Mean.Length, Mean.FirstOrDefault(), Std.FirstOrDefault());

    /// <summary>Fashion-MNIST's training-set statistics.</summary>
    public static Normalization FashionMnist { get; } = new([0.2860f], [0.3530f]);
    /// <summary>MNIST's training-set statistics.</summary>
    public static Normalization Mnist { get; } = new([0.1307f], [0.3081f]);
    /// <summary>CIFAR-10's usual per-channel statistics.</summary>
    public static Normalization Cifar10 { get; } = new([0.4914f, 0.4822f, 0.4465f], [0.2470f, 0.2435f, 0.2616f]);

    /// <summary>
    /// Throws <see cref="SettingException"/> (naming <paramref name="setting"/>) unless there is one finite mean and one
    /// finite, positive standard deviation per channel: a zero or non-finite one turns every input into NaN.
    /// </summary>
    public void Validate(string setting, int? channels = null)
    {
        if (Mean.Length == 0 || Std.Length == 0)
            throw new SettingException(setting, $"needs a mean and a standard deviation, got {Mean.Length} and {Std.Length} values");
        if (channels is { } c && (Mean.Length is not 1 && Mean.Length != c || Std.Length is not 1 && Std.Length != c))
            throw new SettingException(setting, $"has {Mean.Length} means and {Std.Length} standard deviations for {c} input channel{(c == 1 ? "" : "s")}: give one value for every channel, or one per channel");
        if (channels is null && Mean.Length != Std.Length && Mean.Length != 1 && Std.Length != 1)
            throw new SettingException(setting, $"needs as many means as standard deviations (or one of either for every channel), got {Mean.Length} and {Std.Length}");
        if (Mean.Any(v => !float.IsFinite(v))) throw new SettingException(setting, $"mean [{string.Join(", ", Mean)}] is not finite");
        if (Std.Any(v => !(v > 0) || !float.IsFinite(v))) throw new SettingException(setting, $"standard deviation [{string.Join(", ", Std)}] must be finite and positive");
    }
}

/// <summary>How a model was trained and how well it did, saved with it.</summary>
public sealed record TrainingRecord
{
    /// <summary>Data set name.</summary>
    public string Dataset { get; init; } = "";
    /// <summary>Epochs run.</summary>
    public int Epochs { get; init; }
    /// <summary>Wall-clock seconds spent training.</summary>
    public double Seconds { get; init; }
    /// <summary>Seed of the run.</summary>
    public int Seed { get; init; }
    /// <summary>Accuracy (percent) on the held-out validation split.</summary>
    public double ValidationAccuracy { get; init; }
    /// <summary>Images held out of the training split as validation (null in files written before it was recorded).</summary>
    public int? ValidationSize { get; init; }
    /// <summary>The training-split indices held out, when they were named (a range or a list) rather than drawn with <see cref="Seed"/>.</summary>
    public int[]? HeldOutIndices { get; init; }
    /// <summary>The folder of held-out images, when validation had a folder of its own (every training-split image was trained on).</summary>
    public string? HeldOutFolder { get; init; }

    /// <summary>Accuracy (percent) on the test split (null: the data had none).</summary>
    public double? TestAccuracy { get; init; }
    /// <summary>The command line that produced the model.</summary>
    public string Command { get; init; } = "";
    /// <summary>Free-form details: optimiser, schedule, batch size.</summary>
    public Dictionary<string, string> Settings { get; init; } = new();
}

/// <summary>How a compressed model was made from its base model.</summary>
public sealed record CompressionRecord
{
    /// <summary>MACs per image of the base model.</summary>
    public long BaseMacs { get; init; }
    /// <summary>Parameters of the base model.</summary>
    public long BaseParams { get; init; }
    /// <summary>The per-layer settings applied, as JSON.</summary>
    public string Settings { get; init; } = "";
    /// <summary>Whether masked channels were physically removed.</summary>
    public bool Compact { get; init; }
}

/// <summary>What a model file records beside its graph: what it expects and where it came from.</summary>
public sealed record ModelInfo
{
    /// <summary>Architecture name, e.g. "vgg-small".</summary>
    public string Architecture { get; init; } = "";
    /// <summary>Number of output classes.</summary>
    public int NumClasses { get; init; }
    /// <summary>Input normalisation.</summary>
    public Normalization Normalization { get; init; } = Normalization.FashionMnist;
    /// <summary>Whether <see cref="Normalization"/> is a guess (an ONNX file records none), to be replaced by the data set's or the user's.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool NormalizationAssumed { get; init; }
    /// <summary>Class names, when known.</summary>
    public string[] ClassNames { get; init; } = [];
    /// <summary>Training history, newest last (training, then fine-tunes).</summary>
    public List<TrainingRecord> Training { get; init; } = [];
    /// <summary>Set on compressed models: what they were compressed from and how.</summary>
    public CompressionRecord? Compression { get; init; }
    /// <summary>The names and axes of the ONNX file the model was imported from (null: not imported), which its exports keep.</summary>
    public OnnxInterface? Onnx { get; init; }
}

/// <summary>
/// How an imported ONNX model is called: its input and output names, the names of their batch axes and its opset. A
/// compressed model exported with them replaces the original in the user's serving code without a change.
/// </summary>
/// <param name="Input">The input tensor's name (PyTorch: <c>input_names</c>).</param>
/// <param name="Output">The output tensor's name (PyTorch: <c>output_names</c>).</param>
/// <param name="InputBatch">The input's symbolic batch axis (PyTorch: <c>dynamic_axes</c>), or null for a fixed one (exports keep it symbolic).</param>
/// <param name="OutputBatch">The output's symbolic batch axis, or null for a fixed one.</param>
/// <param name="Opset">The opset it declared.</param>
public sealed record OnnxInterface(string Input, string Output, string? InputBatch, string? OutputBatch, int Opset);
