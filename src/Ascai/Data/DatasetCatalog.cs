using Ascai.Graph;

namespace Ascai.Data;

/// <summary>
/// Finds and loads the data sets Ascai knows by name, from local files only: Fashion-MNIST (Debian's
/// <c>dataset-fashion-mnist</c> package by default), MNIST, KMNIST or any IDX pair, and CIFAR-10's binary batches.
/// </summary>
public static class DatasetCatalog
{
    /// <summary>Where Debian's dataset-fashion-mnist package installs its files.</summary>
    public const string DefaultFashionMnistDir = "/usr/share/datasets/fashion-mnist";

    /// <summary>Data set names accepted by <see cref="Load"/>.</summary>
    public static readonly string[] Names = ["fashion-mnist", "mnist", "kmnist", "idx", "cifar10"];

    private static readonly string[] FashionClasses =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Loads a named data set from <paramref name="dataDir"/> (or its default place) and splits it.</summary>
    public static DatasetSplits Load(string dataset, string? dataDir = null, int validationSize = DatasetSplits.DefaultValidationSize, int seed = 0)
    {
        string name = dataset.ToLowerInvariant();
        var (train, test, normalization, classes) = name switch
        {
            "fashion-mnist" => LoadIdx(dataDir ?? DefaultFashionMnistDir, Normalization.FashionMnist, FashionClasses),
            "mnist" or "kmnist" or "idx" => LoadIdx(dataDir ?? throw new SettingException(nameof(dataDir), $"is required for the data set '{name}'"),
                name == "mnist" ? Normalization.Mnist : null, Enumerable.Range(0, 10).Select(i => i.ToString()).ToArray()),
            "cifar10" => LoadCifar(dataDir ?? throw new SettingException(nameof(dataDir), "is required for the data set 'cifar10'")),
            _ => throw new SettingException(nameof(dataset), $"'{dataset}' is not one of: {string.Join(", ", Names)}"),
        };
        if (train.Channels != test.Channels || train.Height != test.Height || train.Width != test.Width)
            throw new AscaiException($"{test.Name}: test images are {test.Channels}x{test.Height}x{test.Width}, training images {train.Channels}x{train.Height}x{train.Width}");
        var (trainIdx, valIdx) = DatasetSplits.HoldOut(train.Count, validationSize, seed);
        return new DatasetSplits(name, train, test, trainIdx, valIdx, normalization ?? Statistics(train, trainIdx), classes);
    }

    private static (ImageDataset, ImageDataset, Normalization?, string[]) LoadIdx(string dir, Normalization? normalization, string[] classes)
    {
        if (!Directory.Exists(dir))
            throw new AscaiException(dir == DefaultFashionMnistDir
                ? $"{dir}: not found; install it with 'apt-get install dataset-fashion-mnist' or pass --data-dir"
                : $"{dir}: data directory not found");
        var train = IdxReader.ReadPair(Find(dir, "train-images-idx3-ubyte"), Find(dir, "train-labels-idx1-ubyte"));
        var test = IdxReader.ReadPair(Find(dir, "t10k-images-idx3-ubyte"), Find(dir, "t10k-labels-idx1-ubyte"));
        return (train, test, normalization, classes);
    }

    private static (ImageDataset, ImageDataset, Normalization?, string[]) LoadCifar(string dir)
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
        int plane = data.Height * data.Width;
        var mean = new float[data.Channels];
        var std = new float[data.Channels];
        for (int c = 0; c < data.Channels; c++)
        {
            double sum = 0, squares = 0;
            foreach (int i in indices)
            {
                var pixels = data.Pixels.AsSpan(i * data.ImageSize + c * plane, plane);
                foreach (byte p in pixels) { double v = p / 255.0; sum += v; squares += v * v; }
            }
            double n = (double)indices.Count * plane, m = sum / n;
            mean[c] = (float)m;
            std[c] = (float)Math.Sqrt(Math.Max(squares / n - m * m, 1e-12));
        }
        return new Normalization(mean, std);
    }
}
