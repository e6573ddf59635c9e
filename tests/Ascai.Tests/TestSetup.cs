using System.Runtime.CompilerServices;

// Weight initialisation and dropout draw from libtorch's process-wide random generator, so tests that check
// "same seed, same result" race with any test running beside them. Until models take their own generator,
// the suite runs serially.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Ascai.Tests;

internal static class TestSetup
{
    // Tests call TorchSharp directly, so the native fixes must run before any test touches a tensor.
    [ModuleInitializer]
    internal static void Initialize()
    {
        Ascai.Runtime.NativeRuntime.Initialize();
        TorchSharp.torch.set_num_threads(Math.Min(2, Environment.ProcessorCount));
    }
}
