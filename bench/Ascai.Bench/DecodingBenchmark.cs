using System.Diagnostics;
using Ascai.Data;
using Ascai.Graph;
using Ascai.Models;
using Ascai.Serialization;
using SkiaSharp;

namespace Ascai.Bench;

/// <summary>
/// Image folders: decoding throughput of a folder of JPEGs (Ascai's reader on both cores and on one, with and without
/// torchvision's Resize + CenterCrop, against torchvision's ImageFolder with PIL measured in the same run), and the peak
/// memory of `ascai eval` over the folder with a cache far smaller than the decoded images and with one that holds them all.
/// </summary>
internal static class DecodingBenchmark
{
    public static void Run(int images, int width, int height, int resize, int crop)
    {
        string root = Directory.CreateTempSubdirectory("ascai-decoding-").FullName;
        try
        {
            var clock = Stopwatch.StartNew();
            long bytes = Write(Path.Combine(root, "train"), images, width, height);
            Write(Path.Combine(root, "test"), images, width, height);
            Console.WriteLine($"wrote 2 x {images} JPEGs of {width}x{height} (quality 90, {bytes / 1e6:F1} MB each split) in {clock.Elapsed.TotalSeconds:F0} s; {Environment.ProcessorCount} cores");
            var all = Enumerable.Range(0, images).ToArray();
            double Measure(ImageTransform transform, bool parallel)
            {
                var folder = ImageFolder.Open(Path.Combine(root, "train"), transform, cacheBytes: 0);
                var buffer = new byte[(long)folder.ImageSize * 256];
                var watch = Stopwatch.StartNew();
                for (int start = 0; start < images; start += 256)
                {
                    var batch = all.AsSpan(start, Math.Min(256, images - start));
                    if (parallel) folder.Read(batch, buffer);
                    else foreach (int i in batch) folder.Read([i], buffer);
                }
                return images / watch.Elapsed.TotalSeconds;
            }
            var native = new ImageTransform(3, null, height, width, Crop: false);
            var cropped = new ImageTransform(3, resize, crop, crop, Crop: true);
            Measure(native, true); // warm-up: file cache, JIT
            double ascaiNative = Measure(native, true), ascaiNativeOne = Measure(native, false);
            double ascaiCropped = Measure(cropped, true), ascaiCroppedOne = Measure(cropped, false);
            double? pilNative = Torchvision(root, null, null), pilCropped = Torchvision(root, resize, crop);
            Console.WriteLine();
            Console.WriteLine("| decoding | Ascai, all cores (images/s) | Ascai, 1 core | torchvision ImageFolder + PIL, 1 process | Ascai (all cores) / torchvision |");
            Console.WriteLine("|---|---|---|---|---|");
            Console.WriteLine($"| {width}x{height} JPEG, as is | {ascaiNative:N0} | {ascaiNativeOne:N0} | {Show(pilNative)} | {Ratio(ascaiNative, pilNative)} |");
            Console.WriteLine($"| + Resize({resize}) + CenterCrop({crop}) | {ascaiCropped:N0} | {ascaiCroppedOne:N0} | {Show(pilCropped)} | {Ratio(ascaiCropped, pilCropped)} |");

            // Peak memory of a real `ascai eval` over the test split: a cache of 8 MB against decoded images of many times that.
            string model = Path.Combine(root, "model.ascai");
            using (var graph = ModelZoo.Create("lenet5", new Shape(3, crop, crop), 10))
                ModelFile.Save(new Model(graph, new ModelInfo { Architecture = "lenet5", NumClasses = 10, Normalization = Normalization.Cifar10 }), model);
            double decodedMb = (double)images * 3 * crop * crop / (1 << 20);
            Console.WriteLine();
            Console.WriteLine($"`ascai eval` of the {images} test images (decoded at {crop}x{crop}: {decodedMb:F0} MB), untrained LeNet-5 (so that the images, not the activations, are what could fill memory), batches of 250:");
            Console.WriteLine("| image cache | peak RSS (MB) | wall (s) |");
            Console.WriteLine("|---|---|---|");
            foreach (int cacheMb in new[] { 8, (int)Math.Ceiling(decodedMb * 2) })
            {
                var (rss, wall) = Eval(root, model, resize, crop, cacheMb);
                Console.WriteLine($"| {cacheMb} MB | {rss:F0} | {wall:F1} |");
            }
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    private static string Show(double? rate) => rate is { } r ? $"{r:N0}" : "n/a (no /usr/bin/python3 with torchvision)";
    private static string Ratio(double ascai, double? baseline) => baseline is { } b ? $"{ascai / b:F2}x" : "-";

    // Smooth colour gradients with seeded noise in 10 class folders: JPEG-like content, not noise (which compresses badly).
    private static long Write(string dir, int count, int width, int height)
    {
        long total = 0;
        var random = new Random(dir.Length);
        for (int i = 0; i < count; i++)
        {
            using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
            var pixels = bitmap.GetPixelSpan();
            int a = random.Next(256), b = random.Next(256);
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    int at = 4 * (y * width + x), noise = random.Next(-12, 13);
                    pixels[at] = (byte)Math.Clamp((x * 255 / width + a) % 256 + noise, 0, 255);
                    pixels[at + 1] = (byte)Math.Clamp((y * 255 / height + b) % 256 + noise, 0, 255);
                    pixels[at + 2] = (byte)Math.Clamp((x + y + a + b) % 256 + noise, 0, 255);
                    pixels[at + 3] = 255;
                }
            using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
            string path = Path.Combine(dir, $"class{i % 10}", $"{i:D6}.jpg");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, data.ToArray());
            total += data.Size;
        }
        return total;
    }

    // torchvision's own loop, as a PyTorch user's data loader runs it in the main process (num_workers=0).
    private static double? Torchvision(string root, int? resize, int? crop)
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python)) return null;
        string transforms = resize is { } r ? $"T.Compose([T.Resize({r}), T.CenterCrop({crop}), T.PILToTensor()])" : "T.PILToTensor()";
        string script = $"""
            import time, torchvision, torchvision.transforms as T
            d = torchvision.datasets.ImageFolder("{root}/train", transform={transforms})
            for i in range(200): d[i]
            s = time.time()
            for i in range(len(d)): d[i]
            print(len(d) / (time.time() - s))
            """;
        var info = new ProcessStartInfo(python, ["-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 && double.TryParse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture, out double rate) ? rate : null;
    }

    private static (double RssMb, double Seconds) Eval(string root, string model, int resize, int crop, int cacheMb)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "Ascai.Cli.dll");
        var info = new ProcessStartInfo("/usr/bin/time", ["-f", "%M %e", "dotnet", cli, "eval", "--model", model, "--dataset", "folder", "--data-dir", root,
            "--resize", $"{resize}", "--crop", $"{crop}", "--val-size", "100", "--image-cache-mb", $"{cacheMb}"])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        process.StandardOutput.ReadToEnd();
        string[] lines = process.StandardError.ReadToEnd().Trim().Split('\n');
        process.WaitForExit();
        var parts = lines[^1].Trim().Split(' ');
        return (long.Parse(parts[0]) / 1024.0, double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
