using Ascai.Graph;

namespace Ascai.Data;

/// <summary>
/// A data set divided into training, held-out validation (taken from the training split, seeded, never trained
/// on) and test images, with the normalisation that goes with it.
/// </summary>
public sealed record DatasetSplits(string Name, ImageDataset Train, ImageDataset Test, int[] TrainIndices, int[] ValidationIndices,
    Normalization Normalization, string[] ClassNames)
{
    /// <summary>Default number of validation images (method.md section 5).</summary>
    public const int DefaultValidationSize = 1000;

    /// <summary>Default number of calibration images (<see cref="CalibrationIndices"/>).</summary>
    public const int DefaultCalibrationSize = 2000;

    /// <summary>
    /// Training images that fitted statistics are measured on (linear fill's moments), spread evenly over the training
    /// split; all of it when it is smaller. Not the validation images: a fit on the images that judge the accuracy
    /// floor would make every candidate look better there than on new images.
    /// </summary>
    public int[] CalibrationIndices => TrainIndices.Length <= DefaultCalibrationSize
        ? TrainIndices
        : Enumerable.Range(0, DefaultCalibrationSize).Select(i => TrainIndices[(int)((long)i * TrainIndices.Length / DefaultCalibrationSize)]).ToArray();

    /// <summary>Every test image's index.</summary>
    public int[] TestIndices => Enumerable.Range(0, Test.Count).ToArray();

    /// <summary>Per-sample input shape of the images.</summary>
    public Shape InputShape => new(Train.Channels, Train.Height, Train.Width);

    /// <summary>Throws unless these images and labels fit <paramref name="model"/>'s input and outputs.</summary>
    public void CheckFits(Model model)
    {
        if (!model.Graph.InputShape.Equals(InputShape))
            throw new AscaiException($"the model takes {model.Graph.InputShape} inputs but {Name} images are {InputShape}");
        long outputs = model.Graph.InferShapes()[model.Graph.Output].Elements;
        if (Train.NumClasses > outputs)
            throw new AscaiException($"{Name} has {Train.NumClasses} classes but the model has {outputs} outputs: labels {outputs}..{Train.NumClasses - 1} are outside its classes");
    }

    /// <summary>Splits a training set into train and validation indices with a seeded shuffle.</summary>
    public static (int[] Train, int[] Validation) HoldOut(int count, int validationSize, int seed)
    {
        if (validationSize < 1 || validationSize >= count)
            throw new SettingException(nameof(validationSize), $"must be between 1 and {count - 1} (the training split has {count} images), got {validationSize}");
        var order = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(order);
        var validation = order[..validationSize];
        var train = order[validationSize..];
        Array.Sort(validation);
        Array.Sort(train);
        return (train, validation);
    }
}
