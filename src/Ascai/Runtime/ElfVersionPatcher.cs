using System.Buffers.Binary;
using System.Text;

namespace Ascai.Runtime;

/// <summary>
/// Marks chosen symbol-version requirements of an ELF64 shared library as weak (VER_FLG_WEAK), so the
/// dynamic loader accepts the library on a system whose dependency lacks that version.
/// </summary>
/// <remarks>
/// Why: TorchSharp 0.107's <c>libLibTorchSharp.so</c> needs <c>GLIBCXX_3.4.32</c>, but Debian 12's libstdc++
/// stops at 3.4.30. The only symbol of that version it names is <c>std::ios_base_library_init()</c>, a no-op
/// initializer that no relocation uses, so a weak requirement is safe. <c>patchelf --clear-symbol-version</c>
/// does not help; flipping the flag in <c>.gnu.version_r</c> does.
/// </remarks>
public static class ElfVersionPatcher
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>
    /// Sets the weak flag on every version requirement of <paramref name="elf"/> named in <paramref name="versions"/>.
    /// Returns the number of entries changed (0 when already weak or absent). Throws <see cref="InvalidDataException"/>
    /// for data that is not a little-endian ELF64 file.
    /// </summary>
    public static int MarkWeak(Span<byte> elf, IReadOnlySet<string> versions)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("not a little-endian 64-bit ELF file");

        ulong sectionTable = U64(elf, 0x28);
        int sectionSize = U16(elf, 0x3A), sectionCount = U16(elf, 0x3C);
        int changed = 0;
        for (int s = 0; s < sectionCount; s++)
        {
            int header = Checked(sectionTable + (ulong)(s * sectionSize), 64, elf.Length);
            if (U32(elf, header + 4) != ShtGnuVerneed) continue;

            int verneed = Checked(U64(elf, header + 0x18), 16, elf.Length);
            uint entries = U32(elf, header + 0x2C);
            int strings = StringTableOffset(elf, sectionTable, sectionSize, (int)U32(elf, header + 0x28));

            int need = verneed;
            for (uint e = 0; e < entries; e++)
            {
                int aux = need + (int)U32(elf, need + 8);
                for (int a = 0; a < U16(elf, need + 2); a++)
                {
                    Checked((ulong)aux, 16, elf.Length);
                    string name = CString(elf, strings + (int)U32(elf, aux + 8));
                    ushort flags = U16(elf, aux + 4);
                    if (versions.Contains(name) && (flags & VerFlagWeak) == 0)
                    {
                        BinaryPrimitives.WriteUInt16LittleEndian(elf[(aux + 4)..], (ushort)(flags | VerFlagWeak));
                        changed++;
                    }
                    aux += (int)U32(elf, aux + 12);
                }
                need += (int)U32(elf, need + 12);
            }
        }
        return changed;
    }

    /// <summary>
    /// Patches a file in place when needed, atomically (temporary file, then rename), so a concurrent loader never
    /// sees a half-written library. Returns true when the file was changed.
    /// </summary>
    public static bool PatchFile(string path, IReadOnlySet<string> versions)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (MarkWeak(bytes, versions) == 0) return false;
        string temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllBytes(temporary, bytes);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, File.GetUnixFileMode(path));
        File.Move(temporary, path, overwrite: true);
        return true;
    }

    private static int StringTableOffset(ReadOnlySpan<byte> elf, ulong table, int entrySize, int index)
    {
        int header = Checked(table + (ulong)(index * entrySize), 64, elf.Length);
        return Checked(U64(elf, header + 0x18), 1, elf.Length);
    }

    private static int Checked(ulong offset, int length, int size) =>
        offset + (ulong)length <= (ulong)size ? (int)offset : throw new InvalidDataException("ELF offset out of range");

    private static string CString(ReadOnlySpan<byte> data, int offset)
    {
        int end = data[offset..].IndexOf((byte)0);
        if (end < 0) throw new InvalidDataException("unterminated ELF string");
        return Encoding.ASCII.GetString(data.Slice(offset, end));
    }

    private static ushort U16(ReadOnlySpan<byte> d, int o) => BinaryPrimitives.ReadUInt16LittleEndian(d[o..]);
    private static uint U32(ReadOnlySpan<byte> d, int o) => BinaryPrimitives.ReadUInt32LittleEndian(d[o..]);
    private static ulong U64(ReadOnlySpan<byte> d, int o) => BinaryPrimitives.ReadUInt64LittleEndian(d[o..]);
}
