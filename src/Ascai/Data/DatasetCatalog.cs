using Ascai.Graph;

namespace Ascai.Data;

/// <summary>
/// Finds and loads the data sets Ascai knows by name, from local files only: Fashion-MNIST (Debian's
/// <c>dataset-fashion-mnist</c> package by default), MNIST, KMNIST or any IDX pair, CIFAR-10's binary batches, image
/// folders in torchvision's ImageFolder layout, and NumPy arrays; then splits them as <see cref="DataOptions"/> say.
/// </summary>
public static class DatasetCatalog
{
    /// <summary>Where Debian's dataset-fashion-mnist package installs its files.</summary>
    public const string DefaultFashionMnistDir = "/usr/share/datasets/fashion-mnist";

    /// <summary>Data set names accepted by <see cref="Load(DataOptions, Shape?, int)"/>.</summary>
    public static readonly string[] Names = ["fashion-mnist", "mnist", "kmnist", "idx", "cifar10", "folder", "npy"];

    private static readonly string[] FashionClasses =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Loads a named data set from <paramref name="dataDir"/> (or its default place), validation drawn by a seeded shuffle.</summary>
    public static DatasetSplits Load(string dataset, string? dataDir = null, int validationSize = DatasetSplits.DefaultValidationSize, int seed = 0) =>
        Load(new DataOptions { Dataset = dataset, DataDir = dataDir, ValidationSize = validationSize }, null, seed);

    /// <summary>
    /// Loads and splits a data set. <paramref name="input"/>, the model's input shape when known, gives image folders
    /// their channel count and size; <paramref name="seed"/> draws the default validation images.
    /// </summary>
    public static DatasetSplits Load(DataOptions options, Shape? input = null, int seed = 0)
    {
        options.Validate();
        string name = options.Dataset.ToLowerInvariant();
        string? dataDir = options.DataDir;
        if (options.ValidationDir is not null && name is not ("folder" or "npy"))
            throw new SettingException(SettingException.Of<DataOptions>(nameof(DataOptions.ValidationDir)), $"is for image folders and NumPy arrays, not the data set '{name}' (name its validation images with a range or a list of indices)");
        var (train, test, validation, normalization, classes) = name switch
        {
            "fashion-mnist" => Idx(LoadIdx(dataDir ?? DefaultFashionMnistDir, Normalization.FashionMnist, FashionClasses)),
            "mnist" or "kmnist" or "idx" => Idx(LoadIdx(dataDir ?? throw new SettingException(nameof(dataDir), $"is required for the data set '{name}'"),
                name == "mnist" ? Normalization.Mnist : null, Enumerable.Range(0, 10).Select(i => i.ToString()).ToArray())),
            "cifar10" => Idx(LoadCifar(dataDir ?? throw new SettingException(nameof(dataDir), "is required for the data set 'cifar10'"))),
            "folder" => LoadFolder(dataDir ?? throw new SettingException(nameof(dataDir), "is required for the data set 'folder' (a folder with train/ and test/ of class folders)"), options, input),
            "npy" => LoadNpy(dataDir ?? throw new SettingException(nameof(dataDir), "is required for the data set 'npy' (a folder of train_images.npy, train_labels.npy, test_... or train.npz, test.npz)"), options, input),
            _ => throw new SettingException("dataset", $"'{options.Dataset}' is not one of: {string.Join(", ", Names)}"),
        };
        foreach (var other in new[] { test, validation }.OfType<ImageDataset>())
            if (train.Channels != other.Channels || train.Height != other.Height || train.Width != other.Width)
                throw new AscaiException($"{other.Name}: images are {other.Channels}x{other.Height}x{other.Width}, training images {train.Channels}x{train.Height}x{train.Width}");
        var (trainIdx, valIdx, split) = Split(train, validation, options, seed);
        return new DatasetSplits(name, train, test, trainIdx, valIdx, normalization ?? Statistics(train, Sample(trainIdx, train)), classes)
        {
            ValidationSource = validation, Split = split, SplitSeed = validation is null && !options.NamesValidation ? seed : null,
        };

        static (ImageDataset, ImageDataset, ImageDataset?, Normalization?, string[]) Idx((ImageDataset Train, ImageDataset Test, Normalization? N, string[] Classes) d) =>
            (d.Train, d.Test, null, d.N, d.Classes);
    }

    // The validation images and the training images left for training and calibration, and how they were chosen.
    private static (int[] Train, int[] Validation, string Split) Split(ImageDataset train, ImageDataset? validation, DataOptions options, int seed)
    {
        var all = Enumerable.Range(0, train.Count).ToArray();
        if (validation is not null)
            return (all, Enumerable.Range(0, validation.Count).ToArray(), $"the {validation.Count} images of {validation.Name}");
        int[] chosen;
        string split;
        if (options.ValidationRange is not null)
        {
            var (a, b) = options.Range();
            if (b > train.Count)
                throw new SettingException(SettingException.Of<DataOptions>(nameof(DataOptions.ValidationRange)), $"{a}:{b} goes past the {train.Count} training images");
            chosen = Enumerable.Range(a, b - a).ToArray();
            split = $"training images {a}..{b - 1}";
        }
        else if (options.ValidationIndices is { } file)
        {
            chosen = ReadIndices(file, train.Count);
            split = $"the {chosen.Length} training images listed in {file}";
        }
        else
        {
            int size = options.ValidationSize ?? DatasetSplits.DefaultValidationSize;
            var (rest, drawn) = DatasetSplits.HoldOut(train.Count, size, seed);
            return (rest, drawn, $"{size} training images drawn with seed {seed}");
        }
        if (chosen.Length >= train.Count)
            throw new SettingException(SettingException.Of<DataOptions>(options.ValidationRange is null ? nameof(DataOptions.ValidationIndices) : nameof(DataOptions.ValidationRange)),
                $"names all {train.Count} training images: none would be left to fit on");
        var held = chosen.ToHashSet();
        return (all.Where(i => !held.Contains(i)).ToArray(), chosen, split);
    }

    /// <summary>Training-split indices from a file: one per line (blank lines and # comments ignored), each once, in range.</summary>
    public static int[] ReadIndices(string path, int count)
    {
        string setting = SettingException.Of<DataOptions>(nameof(DataOptions.ValidationIndices));
        if (!File.Exists(path)) throw new SettingException(setting, $"{path}: no such file");
        var indices = new List<int>();
        var seen = new HashSet<int>();
        int line = 0;
        foreach (string raw in File.ReadLines(path))
        {
            line++;
            string text = raw.Split('#')[0].Trim();
            if (text.Length == 0) continue;
            if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index))
                throw new SettingException(setting, $"{path}: line {line} ('{text}') is not an image index");
            if (index >= count) throw new SettingException(setting, $"{path}: line {line}: index {index} is past the {count} training images");
            if (!seen.Add(index)) throw new SettingException(setting, $"{path}: line {line}: index {index} is listed twice");
            indices.Add(index);
        }
        if (indices.Count == 0) throw new SettingException(setting, $"{path}: lists no image");
        indices.Sort();
        return [.. indices];
    }

    // Statistics of a folder would decode every image: an even sample of 2,000 tells the mean and spread as well.
    private static int[] Sample(int[] indices, ImageDataset data) =>
        data is ImageFolder && indices.Length > DatasetSplits.DefaultCalibrationSize
            ? Enumerable.Range(0, DatasetSplits.DefaultCalibrationSize).Select(i => indices[(int)((long)i * indices.Length / DatasetSplits.DefaultCalibrationSize)]).ToArray()
            : indices;

    private static (ImageDataset, ImageDataset, ImageDataset?, Normalization?, string[]) LoadFolder(string dir, DataOptions options, Shape? input)
    {
        string trainDir = Path.Combine(dir, "train"), testDir = Path.Combine(dir, "test");
        if (!Directory.Exists(dir)) throw new AscaiException($"{dir}: data directory not found");
        if (!Directory.Exists(trainDir)) throw new AscaiException($"{dir}: no train/ folder (expected {dir}/train/CLASS/IMAGE, as torchvision's ImageFolder, and val/ or test/ beside it)");
        string? valDir = options.ValidationDir ?? (Directory.Exists(Path.Combine(dir, "val")) && !options.NamesValidation && options.ValidationSize is null ? Path.Combine(dir, "val") : null);
        if (valDir is not null && Path.GetFullPath(valDir).TrimEnd('/') == Path.GetFullPath(trainDir).TrimEnd('/'))
            throw new SettingException(SettingException.Of<DataOptions>(nameof(DataOptions.ValidationDir)), $"{valDir} is the training folder: its images are the ones the model was trained and calibrated on");
        var transform = ImageFolder.Transform(trainDir, input?.Channels, input?.Height, input?.Width, options.Resize, options.Crop);
        // One budget for the three splits: the search's validation images are read most often, then training.
        long cache = (long)options.ImageCacheMegabytes << 20;
        var train = ImageFolder.Open(trainDir, transform, null, cache / 2);
        // A folder needs only the splits a command uses: without test/ (ImageNet's layout) there is nothing to report a test accuracy on.
        ImageDataset test = Directory.Exists(testDir) ? ImageFolder.Open(testDir, transform, train.ClassNames, cache / 4)
            : Absent(testDir, train);
        var validation = valDir is null ? null : ImageFolder.Open(valDir, transform, train.ClassNames, cache / 4);
        return (train, test, validation, null, train.ClassNames);
    }

    private static (ImageDataset, ImageDataset, ImageDataset?, Normalization?, string[]) LoadNpy(string dir, DataOptions options, Shape? input)
    {
        if (!Directory.Exists(dir)) throw new AscaiException($"{dir}: data directory not found");
        var train = NpyImages.Load(dir, "train", input?.Channels) ?? throw new AscaiException($"{dir}: no training arrays (train_images.npy and train_labels.npy, or train.npz)");
        // As for folders, test arrays are needed only by what reports a test accuracy.
        var test = NpyImages.Load(dir, "test", input?.Channels, train.NumClasses)
            ?? Absent(Path.Combine(dir, "test_images.npy"), train);
        string? valDir = options.ValidationDir ?? (!options.NamesValidation && options.ValidationSize is null ? dir : null);
        var validation = valDir is null ? null : NpyImages.Load(valDir, "val", input?.Channels, train.NumClasses);
        if (options.ValidationDir is not null && validation is null) throw new AscaiException($"{valDir}: no validation arrays (val_images.npy and val_labels.npy, or val.npz)");
        foreach (var other in new[] { test, validation }.OfType<ImageDataset>())
            if (other.NumClasses > train.NumClasses)
                throw new AscaiException($"{other.Name}: labels go up to {other.NumClasses - 1}, the training labels only to {train.NumClasses - 1}");
        return (train, test, validation, null, Enumerable.Range(0, train.NumClasses).Select(i => i.ToString()).ToArray());
    }

    /// <summary>An empty split named after the file or folder it would come from, shaped like <paramref name="like"/>.</summary>
    private static InMemoryImages Absent(string path, ImageDataset like) =>
        new($"{path} (absent)", [], Array.Empty<int>(), like.Channels, like.Height, like.Width, like.NumClasses);

    private static (ImageDataset Train, ImageDataset Test, Normalization? N, string[] Classes) LoadIdx(string dir, Normalization? normalization, string[] classes)
    {
        if (!Directory.Exists(dir))
            throw new AscaiException(dir == DefaultFashionMnistDir
                ? $"{dir}: not found; install it with 'apt-get install dataset-fashion-mnist' or pass --data-dir"
                : $"{dir}: data directory not found");
        var train = IdxReader.ReadPair(Find(dir, "train-images-idx3-ubyte"), Find(dir, "train-labels-idx1-ubyte"));
        var test = IdxReader.ReadPair(Find(dir, "t10k-images-idx3-ubyte"), Find(dir, "t10k-labels-idx1-ubyte"));
        return (train, test, normalization, classes);
    }

    private static (ImageDataset Train, ImageDataset Test, Normalization? N, string[] Classes) LoadCifar(string dir)
    {
        string root = Directory.Exists(Path.Combine(dir, "cifar-10-batches-bin")) ? Path.Combine(dir, "cifar-10-batches-bin") : dir;
        if (!Directory.Exists(root)) throw new AscaiException($"{dir}: data directory not found");
        var trainFiles = Enumerable.Range(1, 5).Select(i => Path.Combine(root, $"data_batch_{i}.bin")).Where(File.Exists).ToList();
        if (trainFiles.Count == 0) throw new AscaiException($"{root}: no CIFAR-10 training batches (data_batch_1.bin ...)");
        return (Cifar10Reader.Read(trainFiles), Cifar10Reader.Read([Path.Combine(root, "test_batch.bin")]), Normalization.Cifar10, Cifar10Reader.ClassNames);
    }

    private static string Find(string dir, string stem)
    {
        foreach (string candidate in new[] { stem, stem + ".gz", stem.Replace("-idx", ".idx"), stem.Replace("-idx", ".idx") + ".gz" })
            if (File.Exists(Path.Combine(dir, candidate))) return Path.Combine(dir, candidate);
        throw new AscaiException($"{dir}: missing {stem} (or {stem}.gz)");
    }

    /// <summary>Per-channel mean and standard deviation of pixels in [0, 1] over the given images.</summary>
    public static Normalization Statistics(ImageDataset data, IReadOnlyList<int> indices)
    {
        int plane = data.Height * data.Width, chunk = 1000;
        var sum = new double[data.Channels];
        var squares = new double[data.Channels];
        var bytes = data.HoldsFloats ? null : new byte[chunk * data.ImageSize];
        var floats = data.HoldsFloats ? new float[chunk * data.ImageSize] : null;
        var order = indices.ToArray();
        for (int start = 0; start < order.Length; start += chunk)
        {
            var part = order.AsSpan(start, Math.Min(chunk, order.Length - start));
            if (floats is not null) data.ReadFloats(part, floats); else data.Read(part, bytes);
            for (int i = 0; i < part.Length; i++)
                for (int c = 0; c < data.Channels; c++)
                    for (int p = 0, at = i * data.ImageSize + c * plane; p < plane; p++, at++)
                    {
                        double v = floats is not null ? floats[at] : bytes![at] / 255.0;
                        sum[c] += v;
                        squares[c] += v * v;
                    }
        }
        double n = (double)order.Length * plane;
        var mean = sum.Select(s => (float)(s / n)).ToArray();
        var std = squares.Select((q, c) => (float)Math.Sqrt(Math.Max(q / n - sum[c] / n * (sum[c] / n), 1e-12))).ToArray();
        return new Normalization(mean, std);
    }
}
