using System.Text.Json;

namespace Nnclr.Data;

/// <summary>
/// An exclusive OS lock on a folder nnclr writes (a dataset being ingested or generated, a run directory being
/// trained into): <see cref="LockFile"/> inside it is opened with <see cref="FileShare.None"/>, which .NET takes as
/// flock(LOCK_EX) on Unix (a share-mode lock on Windows). The kernel releases it when the process dies however it
/// dies, so a stale lock of a dead process never blocks anything; the holder (pid, host, command, start time) is
/// written beside it in <see cref="HolderFile"/> for the error message and `nnclr status`.
/// </summary>
public sealed class FolderLock : IDisposable
{
    /// <summary>The locked file's name inside the folder.</summary>
    public const string LockFile = ".nnclr.lock";
    /// <summary>Who holds (or last held) the lock.</summary>
    public const string HolderFile = ".nnclr.lock.holder.json";

    private FileStream? _stream;
    private readonly string _holder;

    private FolderLock(FileStream stream, string holder) { _stream = stream; _holder = holder; }

    /// <summary>The folder.</summary>
    public string Folder => Path.GetDirectoryName(_holder)!;

    /// <summary>The process that holds or last held a folder's lock.</summary>
    public sealed record Holder(int Pid, string Host, string Command, DateTime StartedUtc)
    {
        /// <summary>"pid 1234 on host (nnclr train), since 2026-12-04T17:00:00Z".</summary>
        public override string ToString() => $"pid {Pid} on {Host} ({Command}), since {StartedUtc:yyyy-MM-dd'T'HH:mm:ss'Z'}";
    }

    /// <summary>
    /// Takes the lock of <paramref name="folder"/> (creating the folder), waiting up to <paramref name="wait"/> for
    /// another holder to finish; throws <see cref="FolderLockedException"/> naming the holder when it cannot.
    /// <paramref name="command"/> says what this process does there ("nnclr ingest folder").
    /// </summary>
    public static FolderLock Acquire(string folder, string command, TimeSpan wait = default)
    {
        var full = Path.GetFullPath(folder);
        if (File.Exists(full)) throw new IOException($"'{folder}' is a file, not a folder");
        Directory.CreateDirectory(full);
        var path = Path.Combine(full, LockFile);
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                var holderPath = Path.Combine(full, HolderFile);
                var me = new Holder(Environment.ProcessId, Environment.MachineName, command, DateTime.UtcNow);
                AtomicFile.WriteAllText(holderPath, JsonSerializer.Serialize(me));
                return new FolderLock(stream, holderPath);
            }
            catch (IOException) when (File.Exists(path))
            {
                if (DateTime.UtcNow >= deadline) throw new FolderLockedException(folder, command, ReadHolder(full));
                Thread.Sleep(200);
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="folder"/>'s lock is held now and by whom (the last holder when it is not): probes by
    /// trying to take it for an instant.
    /// </summary>
    public static (bool Held, Holder? Holder) Probe(string folder)
    {
        var full = Path.GetFullPath(folder);
        var path = Path.Combine(full, LockFile);
        if (!File.Exists(path)) return (false, ReadHolder(full));
        try
        {
            using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) { }
            return (false, ReadHolder(full));
        }
        catch (IOException) { return (true, ReadHolder(full)); }
        catch (UnauthorizedAccessException) { return (false, ReadHolder(full)); }
    }

    private static Holder? ReadHolder(string full)
    {
        try { return JsonSerializer.Deserialize<Holder>(File.ReadAllText(Path.Combine(full, HolderFile))); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException) { return null; }
    }

    /// <summary>Releases the lock (the holder file goes first, so no one reads a holder that has let go).</summary>
    public void Dispose()
    {
        if (_stream is null) return;
        try { File.Delete(_holder); } catch (IOException) { }
        _stream.Dispose();
        _stream = null;
    }
}

/// <summary>Another live process holds a folder's lock: the message names the folder, the holder and what to do.</summary>
public sealed class FolderLockedException(string folder, string command, FolderLock.Holder? holder)
    : IOException($"'{folder}' is in use by another nnclr process ({holder?.ToString() ?? "holder unknown"}); this {command} did not start: wait for that one to finish or stop it, or choose another folder")
{
    /// <summary>The holder, when it wrote itself down.</summary>
    public FolderLock.Holder? Holder { get; } = holder;
}
