using System.Diagnostics;

namespace Nnclr.Host.Tests;

public sealed class PublishTests
{
    [Fact]
    public async Task PublishExternal_Always_ContainsTorchSharpShimButNoLibTorch()
    {
        var root = RepoRoot();
        var outDir = Path.Combine(Path.GetTempPath(), "nnclr-pub-ext-" + Guid.NewGuid().ToString("N"));
        try
        {
            var psi = new ProcessStartInfo("bash", [Path.Combine(root, "scripts", "publish.sh"), "external", outDir])
            { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            var stdout = await p.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
            await p.WaitForExitAsync(timeout.Token);
            Assert.True(p.ExitCode == 0, $"publish failed: {stdout}\n{await stderr}");

            var files = Directory.GetFiles(outDir, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToHashSet();
            Assert.Contains("nnclr", files);
            Assert.Contains("TorchSharp.dll", files);
            Assert.Contains("libLibTorchSharp.so", files);
            Assert.DoesNotContain("libtorch_cpu.so", files);
            Assert.DoesNotContain("libtorch.so", files);
            Assert.DoesNotContain("libc10.so", files);
            Assert.DoesNotContain("nnclr.pdb", files);
        }
        finally
        {
            if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        }
    }

    internal static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Nnclr.sln"))) return d.FullName;
        throw new InvalidOperationException($"no Nnclr.sln above {AppContext.BaseDirectory}");
    }
}
