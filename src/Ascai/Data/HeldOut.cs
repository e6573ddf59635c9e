using Ascai.Graph;

namespace Ascai.Data;

/// <summary>
/// Whether a data set's validation images are ones the model never saw: the accuracy floor means something only
/// on those. A model Ascai trained records what its training held out (the seeded draw, the named indices, or a
/// folder of its own); a model from elsewhere records nothing, and then only the user can say.
/// </summary>
public static class HeldOut
{
    /// <summary>
    /// Throws when <paramref name="model"/>'s training record shows that some of <paramref name="data"/>'s validation images
    /// were trained on; returns a warning (settings in braces) when the model carries no record for this data set and the
    /// validation images were drawn from the training split, since nothing then tells whether they were trained on; null
    /// otherwise (named images are the user's word, and a validation split of the data set's own, a val/ folder or val_
    /// arrays, is by convention what training held out).
    /// </summary>
    public static string? Check(ModelInfo model, DatasetSplits data, DataOptions options)
    {
        var record = model.Training.FirstOrDefault();
        if (record is null || !string.Equals(record.Dataset, data.Name, StringComparison.OrdinalIgnoreCase))
            return options.NamesValidation || data.ValidationSource is not null ? null
                : $"the model carries no record of its training on {data.Name}, so Ascai cannot know whether its validation images ({data.Split}) were trained on; " +
                  $"name the images its training held out with {{{SettingException.Of<DataOptions>(nameof(DataOptions.ValidationRange))}}}, " +
                  $"{{{SettingException.Of<DataOptions>(nameof(DataOptions.ValidationIndices))}}} or {{{SettingException.Of<DataOptions>(nameof(DataOptions.ValidationDir))}}}";
        if (data.ValidationSource is not null) return null; // a folder of their own is not the training split
        if (record.HeldOutFolder is not null)
            throw new AscaiException($"the model was trained on every training-split image (it held out {record.HeldOutFolder}), so these validation images ({data.Split}) were all trained on");
        var held = (record.HeldOutIndices ?? DatasetSplits.HoldOut(data.Train.Count, record.HeldOutCount(), record.Seed).Validation).ToHashSet();
        int seen = data.ValidationIndices.Count(i => !held.Contains(i));
        if (seen > 0)
            throw new SettingException(SettingException.Of<DataOptions>(options.NamesValidation ? options.ValidationRange is not null ? nameof(DataOptions.ValidationRange) : nameof(DataOptions.ValidationIndices) : nameof(DataOptions.ValidationSize)),
                $"names {seen} of {data.ValidationIndices.Length} validation images ({data.Split}) that the model was trained on: its training held out only {held.Count} images" +
                (record.HeldOutIndices is null ? $" (drawn with seed {record.Seed})" : ""));
        return null;
    }

    /// <summary>
    /// How many images <paramref name="record"/>'s run held out as validation: recorded, or read from its command line
    /// (files written before it was recorded), or the default when the command line has no --val-size.
    /// </summary>
    public static int HeldOutCount(this TrainingRecord record)
    {
        if (record.ValidationSize is { } recorded) return recorded;
        var match = System.Text.RegularExpressions.Regex.Match(record.Command, @"--val-size[ =](\d+)");
        return match.Success ? int.Parse(match.Groups[1].Value) : DatasetSplits.DefaultValidationSize;
    }
}
