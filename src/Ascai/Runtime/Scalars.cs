using TorchSharp;
using static TorchSharp.torch;

namespace Ascai.Runtime;

/// <summary>
/// Tensor arithmetic without short-lived <see cref="Scalar"/>s. TorchSharp turns a C# number passed where libtorch
/// takes a Scalar into a Scalar object that no dispose scope tracks, and <c>a + b</c> / <c>a.add(b)</c> pass an
/// implicit alpha of 1 the same way; its finaliser can free the native scalar while the call it was made for is
/// still reading it (seen: "Expected false to be true" from Scalar::toFloat under index_add, and "For integral input
/// tensors, argument alpha must not be a floating point number" under an add of two index tensors). These Scalars
/// live as long as the process, so nothing can free them; the library's per-candidate code uses them.
/// </summary>
public static class Scalars
{
    /// <summary>The integer 1 (alpha of a plain sum; valid for integral and floating tensors).</summary>
    public static readonly Scalar One = 1.ToScalar();
    /// <summary>The integer 0.</summary>
    public static readonly Scalar Zero = 0.ToScalar();

    /// <summary>a + b, with a long-lived alpha.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary>a += b in place, with a long-lived alpha.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, One);
}
