namespace Ascai.Tests;

/// <summary>Files committed in the repository, found from the test's output folder.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Model(string name) => Path.Combine(Root, "models", name);

    public static string Fixture(string path) => Path.Combine(Root, "tests", "fixtures", path);

    /// <summary>The bytes of the ONNX fixture <paramref name="name"/> (tests/fixtures/onnx/NAME.onnx, or its gzipped copy).</summary>
    public static byte[] OnnxFixture(string name)
    {
        string path = Fixture($"onnx/{name}.onnx");
        if (File.Exists(path)) return File.ReadAllBytes(path);
        using var gz = new System.IO.Compression.GZipStream(File.OpenRead(path + ".gz"), System.IO.Compression.CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gz.CopyTo(memory);
        return memory.ToArray();
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Ascai.slnx"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found");
    }
}
