using System.Buffers.Binary;
using System.Text;
using Ascai.Runtime;

namespace Ascai.Tests.Runtime;

public class ElfVersionPatcherTests
{
    /// <summary>A minimal ELF64 file: header, a .dynstr, a .gnu.version_r with one need of two versions, section headers.</summary>
    private static byte[] MinimalElf()
    {
        var strings = Encoding.ASCII.GetBytes("\0libstdc++.so.6\0GLIBCXX_3.4.30\0GLIBCXX_3.4.32\0");
        int fileName = 1, v30 = 16, v32 = 31;
        int strOffset = 64, needOffset = strOffset + strings.Length + 3 & ~3, shOffset = needOffset + 48;
        var elf = new byte[shOffset + 3 * 64];
        "\u007fELF"u8.CopyTo(elf);
        elf[4] = 2; elf[5] = 1; elf[6] = 1;
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(0x28), (ulong)shOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x3A), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x3C), 3);
        strings.CopyTo(elf, strOffset);
        // Verneed: version 1, 2 aux entries, file name, aux at +16, no next.
        var need = elf.AsSpan(needOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(need, 1);
        BinaryPrimitives.WriteUInt16LittleEndian(need[2..], 2);
        BinaryPrimitives.WriteUInt32LittleEndian(need[4..], (uint)fileName);
        BinaryPrimitives.WriteUInt32LittleEndian(need[8..], 16);
        int[] names = [v30, v32];
        for (int a = 0; a < 2; a++)
        {
            var aux = need[(16 + 16 * a)..];
            BinaryPrimitives.WriteUInt32LittleEndian(aux[8..], (uint)names[a]);
            BinaryPrimitives.WriteUInt32LittleEndian(aux[12..], a == 0 ? 16u : 0u);
        }
        // Section 1: .dynstr (type 3), section 2: .gnu.version_r linking to 1, one entry.
        var dynstr = elf.AsSpan(shOffset + 64);
        BinaryPrimitives.WriteUInt32LittleEndian(dynstr[4..], 3);
        BinaryPrimitives.WriteUInt64LittleEndian(dynstr[0x18..], (ulong)strOffset);
        var verneed = elf.AsSpan(shOffset + 128);
        BinaryPrimitives.WriteUInt32LittleEndian(verneed[4..], 0x6ffffffe);
        BinaryPrimitives.WriteUInt64LittleEndian(verneed[0x18..], (ulong)needOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(verneed[0x28..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(verneed[0x2C..], 1);
        return elf;
    }


    [Fact]
    public void MarksOnlyTheNamedVersionWeakAndIsIdempotent()
    {
        var elf = MinimalElf();
        int needOffset = 64 + ("\0libstdc++.so.6\0GLIBCXX_3.4.30\0GLIBCXX_3.4.32\0".Length + 3 & ~3);
        ushort FlagsOf(int aux) => BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(needOffset + 16 + 16 * aux + 4));
        Assert.Equal(1, ElfVersionPatcher.MarkWeak(elf, new HashSet<string> { "GLIBCXX_3.4.32" }));
        Assert.Equal(0, FlagsOf(0));
        Assert.Equal(2, FlagsOf(1));
        Assert.Equal(0, ElfVersionPatcher.MarkWeak(elf, new HashSet<string> { "GLIBCXX_3.4.32" }));
    }

    [Fact]
    public void RejectsNonElf() =>
        Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.MarkWeak(new byte[100], new HashSet<string> { "X" }));

    [Fact]
    public void TorchSharpLibraryInOutputIsAlreadyPatched()
    {
        string library = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(library), $"{library} missing");
        Assert.Equal(0, ElfVersionPatcher.MarkWeak(File.ReadAllBytes(library), new HashSet<string> { "GLIBCXX_3.4.32" }));
        Assert.True(NativeRuntime.MallocFixApplied);
    }
}
