using Ascai.Training;

namespace Ascai.Search;

/// <summary>How the cheapest candidates of a search's front are fine-tuned before the result is chosen.</summary>
public sealed record FineTuneOptions
{
    /// <summary>Epochs per candidate over the training split.</summary>
    public int Epochs { get; init; } = 1;
    /// <summary>Wall-clock budget of all the fine-tuning (null: none); a candidate cut short is judged as it stands.</summary>
    public TimeSpan? TimeLimit { get; init; }
    /// <summary>Near misses fine-tuned at most, from the costliest down (<see cref="FrontFineTuning.Run"/>).</summary>
    public int Candidates { get; init; } = 3;
    /// <summary>How far below the floor (in points, on the search's images) a candidate may be and still be fine-tuned.</summary>
    public double Slack { get; init; } = 2;
    /// <summary>Peak learning rate (cosine schedule).</summary>
    public double LearningRate { get; init; } = 0.01;
    /// <summary>Distil from the original model (knowledge distillation) rather than train on the labels alone.</summary>
    public bool Distill { get; init; } = true;

    private static string Key(string property) => SettingException.Of<FineTuneOptions>(property);

    /// <summary>Throws <see cref="SettingException"/> for values that make no sense.</summary>
    public void Validate()
    {
        if (Epochs is < 1 or > 1000) throw new SettingException(Key(nameof(Epochs)), $"must be between 1 and 1000, got {Epochs}");
        if (TimeLimit is { } t && t <= TimeSpan.Zero) throw new SettingException(Key(nameof(TimeLimit)), $"must be positive, got {t}");
        if (Candidates is < 1 or > 100) throw new SettingException(Key(nameof(Candidates)), $"must be between 1 and 100, got {Candidates}");
        if (!(Slack >= 0 && Slack <= 100)) throw new SettingException(Key(nameof(Slack)), $"must be in [0, 100] points, got {Slack}");
        if (!(LearningRate > 0 && double.IsFinite(LearningRate))) throw new SettingException(Key(nameof(LearningRate)), $"must be a positive number, got {LearningRate}");
        Training(0).Validate();
    }

    /// <summary>The training settings of one candidate's fine-tuning.</summary>
    public TrainOptions Training(int seed, TimeSpan? timeLimit = null) =>
        new() { Epochs = Epochs, LearningRate = LearningRate, Seed = seed, TimeLimit = timeLimit, UnfoldBatchNorms = true };
}
