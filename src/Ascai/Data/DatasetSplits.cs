using Ascai.Graph;

namespace Ascai.Data;

/// <summary>
/// A data set divided into training, held-out validation and test images, with the normalisation that goes with it.
/// The validation images are <see cref="ValidationIndices"/> of <see cref="Validation"/>: by default images of the
/// training split (drawn with a seeded shuffle, or named by range or list), never trained on; or a held-out set of
/// their own. <see cref="Split"/> says which, in words.
/// </summary>
public sealed record DatasetSplits(string Name, ImageDataset Train, ImageDataset Test, int[] TrainIndices, int[] ValidationIndices,
    Normalization Normalization, string[] ClassNames)
{
    /// <summary>Where the validation images are when they are not training-split images; null when they are.</summary>
    public ImageDataset? ValidationSource { get; init; }

    /// <summary>The images <see cref="ValidationIndices"/> index.</summary>
    public ImageDataset Validation => ValidationSource ?? Train;

    /// <summary>How the validation images were chosen, in words (recorded in a search's summary).</summary>
    public string Split { get; init; } = "";

    /// <summary>
    /// Held-out images kept from the search (indices into <see cref="Validation"/>, disjoint from
    /// <see cref="ValidationIndices"/>): its result is confirmed on them. Empty unless <see cref="WithConfirmation"/> made them.
    /// </summary>
    public int[] ConfirmationIndices { get; init; } = [];

    /// <summary>
    /// These splits with <paramref name="count"/> of the validation images set aside as confirmation images (drawn with
    /// <paramref name="seed"/>); the search sees the rest.
    /// </summary>
    public DatasetSplits WithConfirmation(int count, int seed)
    {
        if (count == 0) return this;
        if (ConfirmationIndices.Length > 0) throw new InvalidOperationException("confirmation images are set aside already");
        if (count < 0 || count >= ValidationIndices.Length)
            throw new SettingException("confirmation", $"must leave the search some of the {ValidationIndices.Length} validation images, got {count}");
        var (search, confirm) = HoldOut(ValidationIndices.Length, count, seed);
        return this with { ValidationIndices = search.Select(i => ValidationIndices[i]).ToArray(), ConfirmationIndices = confirm.Select(i => ValidationIndices[i]).ToArray() };
    }

    /// <summary>The seed of the shuffle that drew the validation images from the training split; null when they were named.</summary>
    public int? SplitSeed { get; init; }

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

    /// <summary>
    /// A hash of what a search reads of this data: the held-out images (labels and pixels, in order, confirmation images
    /// included), the training images fitted statistics are measured on, and the size of each split. Two runs with the
    /// same fingerprint judged and fitted their candidates on the same images, wherever the files are.
    /// </summary>
    public string Fingerprint()
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        void Add(ImageDataset images, int[] indices)
        {
            sha.AppendData(BitConverter.GetBytes(indices.Length));
            foreach (int i in indices) sha.AppendData(BitConverter.GetBytes(images.Labels[i]));
            // In chunks: a large held-out set is not held in memory twice.
            for (int at = 0; at < indices.Length; at += 256)
            {
                var chunk = indices.AsSpan(at, Math.Min(256, indices.Length - at));
                if (images.HoldsFloats)
                {
                    var floats = new float[chunk.Length * images.ImageSize];
                    images.ReadFloats(chunk, floats);
                    sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.AsSpan()));
                }
                else
                {
                    var bytes = new byte[chunk.Length * images.ImageSize];
                    images.Read(chunk, bytes);
                    sha.AppendData(bytes);
                }
            }
        }
        Add(Validation, ValidationIndices);
        Add(Validation, ConfirmationIndices);
        Add(Train, CalibrationIndices);
        sha.AppendData(BitConverter.GetBytes(TrainIndices.Length));
        sha.AppendData(BitConverter.GetBytes(Test.Count));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

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
        int classes = Math.Max(Train.NumClasses, Math.Max(Test.NumClasses, Validation.NumClasses));
        if (classes > outputs)
            throw new AscaiException($"{Name} has {classes} classes but the model has {outputs} outputs: labels {outputs}..{classes - 1} are outside its classes");

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
