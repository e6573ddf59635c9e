namespace Ascai.Training;

/// <summary>Settings of a training or fine-tuning run: SGD with momentum and a cosine learning-rate schedule.</summary>
public sealed record TrainOptions
{
    /// <summary>Passes over the training images.</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Images per step.</summary>
    public int BatchSize { get; init; } = 128;
    /// <summary>Peak learning rate (start of the cosine schedule).</summary>
    public double LearningRate { get; init; } = 0.05;
    /// <summary>SGD momentum.</summary>
    public double Momentum { get; init; } = 0.9;
    /// <summary>Use Nesterov momentum.</summary>
    public bool Nesterov { get; init; } = true;
    /// <summary>L2 weight decay.</summary>
    public double WeightDecay { get; init; } = 5e-4;
    /// <summary>Random shifts and flips of the training images.</summary>
    public bool Augment { get; init; } = true;
    /// <summary>Seed of the shuffling and augmentation.</summary>
    public int Seed { get; init; }

    /// <summary>Throws <see cref="SettingException"/> for values that make no sense, before any work starts.</summary>
    public void Validate()
    {
        static string Key(string property) => SettingException.Of<TrainOptions>(property);
        if (Epochs < 1) throw new SettingException(Key(nameof(Epochs)), $"must be at least 1, got {Epochs}");
        if (BatchSize < 1) throw new SettingException(Key(nameof(BatchSize)), $"must be at least 1, got {BatchSize}");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new SettingException(Key(nameof(LearningRate)), $"must be a positive number, got {LearningRate}");
        if (!(Momentum >= 0 && Momentum < 1)) throw new SettingException(Key(nameof(Momentum)), $"must be in [0, 1), got {Momentum}");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay)) throw new SettingException(Key(nameof(WeightDecay)), $"must be a non-negative number, got {WeightDecay}");
    }
}

/// <summary>Progress of a training run, reported after every step.</summary>
public sealed record TrainProgress(int Epoch, int Epochs, int Step, int StepsPerEpoch, double Loss, double TrainAccuracy,
    double? ValidationAccuracy, TimeSpan Elapsed)
{
    /// <summary>Fraction of the whole run done.</summary>
    public double Fraction => ((Epoch - 1) * (double)StepsPerEpoch + Step) / (Epochs * (double)StepsPerEpoch);
}

/// <summary>What a finished run measured: one entry per epoch.</summary>
public sealed record EpochResult(int Epoch, double Loss, double TrainAccuracy, double ValidationAccuracy, double Seconds);
