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
    /// <summary>With a teacher: the softening temperature of knowledge distillation (Hinton et al.).</summary>
    public double DistillTemperature { get; init; } = 4;
    /// <summary>With a teacher: the weight of the distillation term; the rest is cross-entropy with the labels.</summary>
    public double DistillWeight { get; init; } = 0.9;
    /// <summary>Keep weights that are zero at the start at zero (non-structured pruning's zeros would regrow otherwise).</summary>
    public bool KeepZeros { get; init; }
    /// <summary>Stop after the step that passes this much time (null: run every epoch).</summary>
    public TimeSpan? TimeLimit { get; init; }
    /// <summary>
    /// Train every conv that no batch-norm follows (a model exported with its batch-norms folded) with one re-inserted,
    /// folded back at the end (<see cref="Graph.BatchNormFolding.InsertForTraining"/>); what fine-tuning does.
    /// </summary>
    public bool UnfoldBatchNorms { get; init; }

    /// <summary>Throws <see cref="SettingException"/> for values that make no sense, before any work starts.</summary>
    public void Validate()
    {
        static string Key(string property) => SettingException.Of<TrainOptions>(property);
        if (Epochs < 1) throw new SettingException(Key(nameof(Epochs)), $"must be at least 1, got {Epochs}");
        if (BatchSize < 1) throw new SettingException(Key(nameof(BatchSize)), $"must be at least 1, got {BatchSize}");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new SettingException(Key(nameof(LearningRate)), $"must be a positive number, got {LearningRate}");
        if (!(Momentum >= 0 && Momentum < 1)) throw new SettingException(Key(nameof(Momentum)), $"must be in [0, 1), got {Momentum}");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay)) throw new SettingException(Key(nameof(WeightDecay)), $"must be a non-negative number, got {WeightDecay}");
        if (!(DistillTemperature > 0) || double.IsInfinity(DistillTemperature)) throw new SettingException(Key(nameof(DistillTemperature)), $"must be a positive number, got {DistillTemperature}");
        if (!(DistillWeight >= 0 && DistillWeight <= 1)) throw new SettingException(Key(nameof(DistillWeight)), $"must be in [0, 1], got {DistillWeight}");
        if (TimeLimit is { } t && t <= TimeSpan.Zero) throw new SettingException(Key(nameof(TimeLimit)), $"must be positive, got {t}");
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
