using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ascai.Runtime;

/// <summary>
/// Prepares the process for libtorch: makes TorchSharp's native library loadable on Debian 12 and stops glibc
/// from returning libtorch's large buffers to the kernel after every forward pass. Runs automatically when the
/// Ascai assembly is first used; call <see cref="Initialize"/> before touching TorchSharp directly.
/// </summary>
public static class NativeRuntime
{
    /// <summary>Environment variable that, set to 0, leaves glibc malloc at its defaults (used by the benchmark).</summary>
    public const string MallocFixVariable = "ASCAI_MALLOC_FIX";

    private static readonly HashSet<string> WeakVersions = ["GLIBCXX_3.4.32"];
    private static readonly Lock Gate = new();
    private static bool _initialized;

    /// <summary>Whether the malloc tuning was applied in this process.</summary>
    public static bool MallocFixApplied { get; private set; }

    // Why a module initializer in a library: the fix must precede TorchSharp's first native call, whoever makes it.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void AtModuleLoad() => Initialize();

    /// <summary>Idempotent: patches <c>libLibTorchSharp.so</c> where it will be loaded from, then tunes malloc.</summary>
    public static void Initialize()
    {
        lock (Gate)
        {
            if (_initialized) return;
            _initialized = true;
            if (!OperatingSystem.IsLinux()) return;
            foreach (string library in TorchSharpLibraryCandidates().Where(File.Exists))
            {
                try { ElfVersionPatcher.PatchFile(library, WeakVersions); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    Console.Error.WriteLine($"warning: could not patch {library} ({e.Message}); TorchSharp may fail to load on this system");
                }
            }
            if (Environment.GetEnvironmentVariable(MallocFixVariable) != "0") ApplyMallocFix();
        }
    }

    // Why: glibc serves allocations above the mmap threshold with mmap and trims the heap top after frees, so
    // every forward pass maps and unmaps its activation buffers: millions of page faults, 4-5x slower inference.
    // One arena: threads other than the main one (parallel workers, NATS worker slots) would otherwise get their
    // own arenas, whose heaps are mmap'd, capped and shrunk on their own terms, and run slower (measured).
    private static void ApplyMallocFix()
    {
        const int mTrimThreshold = -1, mMmapMax = -4, mArenaMax = -8;
        try
        {
            MallocFixApplied = mallopt(mMmapMax, 0) == 1 & mallopt(mTrimThreshold, int.MaxValue) == 1 & mallopt(mArenaMax, 1) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            MallocFixApplied = false; // not glibc (e.g. musl): nothing to tune
        }
    }

    private static IEnumerable<string> TorchSharpLibraryCandidates()
    {
        const string name = "libLibTorchSharp.so";
        string baseDir = AppContext.BaseDirectory;
        yield return Path.Combine(baseDir, name);
        yield return Path.Combine(baseDir, "runtimes", "linux-x64", "native", name);
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int parameter, int value);
}
