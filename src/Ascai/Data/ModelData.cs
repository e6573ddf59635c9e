using Ascai.Graph;

namespace Ascai.Data;

/// <summary>A data set as a given model reads it: split as its training was, normalised as it expects, checked to fit.</summary>
public static class ModelData
{
    /// <summary>
    /// <paramref name="options"/> for training <paramref name="model"/> further: the images its training held out stay
    /// held out, by default the same draw (its seed and its size), so that no image it is validated on is trained on.
    /// Named validation images or an explicit size are the user's word and are kept.
    /// </summary>
    public static DataOptions KeepingHeldOut(Model model, DataOptions options) =>
        options.ValidationSize is null && !options.NamesValidation && model.Info.Training.FirstOrDefault() is { } trained
            ? options with { ValidationSize = trained.HeldOutCount() }
            : options;

    /// <summary>
    /// Loads <paramref name="options"/>' data set for <paramref name="model"/>: image folders take its input size and
    /// channels; the default validation images are drawn with the seed its training drew its own; its normalisation is
    /// settled (<paramref name="normalization"/>, given by the user, wins); its inputs and classes must fit; and its
    /// training record must not show the validation images as trained on. <paramref name="warn"/> is told what cannot be
    /// checked (settings in braces).
    /// </summary>
    public static DatasetSplits Load(Model model, DataOptions options, Normalization? normalization = null, Action<string>? warn = null)
    {
        var data = DatasetCatalog.Load(options, model.Graph.InputShape, model.Info.Training.FirstOrDefault()?.Seed ?? 0);
        if (model.ResolveNormalization(data.Normalization, normalization) is { } assumed) warn?.Invoke(assumed);
        data.CheckFits(model);
        // Class names say which output is which only where the data names its classes (image folders).
        if (data.Train is ImageFolder && model.Info.ClassNames.Length > 0 && !model.Info.ClassNames.SequenceEqual(data.ClassNames))
            warn?.Invoke($"the model's classes ({string.Join(", ", model.Info.ClassNames.Take(4))}, ...) are not named as {data.Name}'s ({string.Join(", ", data.ClassNames.Take(4))}, ...): labels are matched by their index");
        if (HeldOut.Check(model.Info, data, options) is { } unverified) warn?.Invoke(unverified);
        return data;
    }
}
