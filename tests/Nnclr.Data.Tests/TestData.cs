namespace Nnclr.Data.Tests;

/// <summary>Locates the shared CIFAR-10 archive without copying it: NNCLR_SHARED_DATA, else walk up from the test assembly.</summary>
internal static class TestData
{
    public static string CifarArchive { get; } = Find();

    private static string Find()
    {
        var env = Environment.GetEnvironmentVariable("NNCLR_SHARED_DATA");
        if (!string.IsNullOrEmpty(env) && File.Exists(Path.Combine(env, "cifar-10-binary.tar.gz"))) return Path.Combine(env, "cifar-10-binary.tar.gz");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", "cifar-10-binary.tar.gz");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("shared/data/cifar-10-binary.tar.gz not found above the test assembly; set NNCLR_SHARED_DATA to its folder");
    }
}

/// <summary>A fresh temporary folder, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "nnclr-test-" + Guid.NewGuid().ToString("N")[..12]);
    public TempDir() => Directory.CreateDirectory(Path);
    public string Sub(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, recursive: true); } catch (IOException) { } }
}
