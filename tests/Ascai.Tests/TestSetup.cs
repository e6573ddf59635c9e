using System.Runtime.CompilerServices;

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
