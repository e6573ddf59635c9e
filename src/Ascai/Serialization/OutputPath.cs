namespace Ascai.Serialization;

/// <summary>
/// Checks a place to write before any work starts, so a run that cannot save its result fails in milliseconds, not
/// after minutes: the folder must exist (or be creatable) and accept a new file, a file path must not be a folder,
/// a run folder must not be a file, and the disk must have room for what will be written where that can be known.
/// Each problem is a <see cref="SettingException"/> naming the setting that gave the path.
/// </summary>
public static class OutputPath
{
    /// <summary>Checks that a file can be written at <paramref name="path"/> (replacing an existing file is fine).</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="setting">The setting that gave the path, for the error.</param>
    /// <param name="bytes">Roughly how much will be written, checked against the free space (0: unknown).</param>
    public static void CheckFile(string path, string setting, long bytes = 0)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new SettingException(setting, "is empty");
        string full = Full(path, setting);
        if (Directory.Exists(full)) throw new SettingException(setting, $"{path} is a folder; give a file name");
        string? parent = Path.GetDirectoryName(full);
        if (parent is null || !Directory.Exists(parent)) throw new SettingException(setting, $"{path}: folder {parent} does not exist");
        CheckWritable(parent, path, setting, bytes);
    }

    /// <summary>Checks that <paramref name="path"/> is, or can be made, a folder to write files in.</summary>
    /// <param name="path">The folder.</param>
    /// <param name="setting">The setting that gave the path, for the error.</param>
    /// <param name="bytes">Roughly how much will be written, checked against the free space (0: unknown).</param>
    public static void CheckFolder(string path, string setting, long bytes = 0)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new SettingException(setting, "is empty");
        string full = Full(path, setting);
        if (File.Exists(full)) throw new SettingException(setting, $"{path} is a file, not a folder");
        // The nearest folder that exists is where the new ones would be made.
        string existing = full;
        while (!Directory.Exists(existing))
        {
            string? up = Path.GetDirectoryName(existing);
            if (up is null) throw new SettingException(setting, $"{path}: no part of it exists");
            if (File.Exists(up)) throw new SettingException(setting, $"{path}: {up} is a file, not a folder");
            existing = up;
        }
        CheckWritable(existing, path, setting, bytes);
    }

    private static string Full(string path, string setting)
    {
        try { return Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new SettingException(setting, $"{path} is not a valid path ({e.Message})");
        }
    }

    // Creating (and deleting) a file is the only test that holds for every reason a write can fail: permissions,
    // read-only mounts, pseudo file systems, access control lists.
    private static void CheckWritable(string folder, string path, string setting, long bytes)
    {
        string probe = Path.Combine(folder, $".ascai-write-check.{Environment.ProcessId}.{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string reason = e switch
            {
                UnauthorizedAccessException => "permission denied",
                DirectoryNotFoundException or FileNotFoundException => "it does not take new files",
                _ when e.Message.Contains("read-only", StringComparison.OrdinalIgnoreCase) => "read-only file system",
                _ => "the system refused a new file",
            };
            throw new SettingException(setting, $"{path}: cannot write in {folder} ({reason})");
        }
        if (bytes <= 0) return;
        try
        {
            long free = new DriveInfo(folder).AvailableFreeSpace;
            if (free < bytes) throw new SettingException(setting, $"{path}: {free / 1e6:N1} MB free in {folder}, about {bytes / 1e6:N1} MB needed");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { } // free space unknown here
    }
}
