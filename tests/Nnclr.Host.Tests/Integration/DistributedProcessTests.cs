using System.Text.Json;

namespace Nnclr.Host.Tests.Integration;

/// <summary>
/// Data parallel on Open MPI, with real `mpirun -np 2` processes on the demo data (tiny CNN, a few steps). mpirun is
/// required (scripts/setup.sh installs it): its absence fails these tests with the fix, it never skips them.
/// </summary>
[Collection("train-process")]
public sealed class DistributedProcessTests(DemoData demo) : IClassFixture<DemoData>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);
    private static readonly Dictionary<string, string> NoEnv = [];

    [Fact]
    public async Task BenchCollectives_TwoRanks_AllReduceIsCorrectAndReportsBusBandwidth()
    {
        var outFile = Path.Combine(demo.Root, "collectives-" + Guid.NewGuid().ToString("N")[..8] + ".json");
        using var p = NnclrProcess.Mpirun(demo.Root, NoEnv, 2, ["bench", "collectives", "--sizes", "1,2", "--iters", "2", "--warmup", "1", "--out", outFile]);
        Assert.True(await p.WaitAsync(Limit) == 0, p.Output);
        using var doc = JsonDocument.Parse(File.ReadAllText(outFile));
        var root = doc.RootElement;
        Assert.Equal("mpi", root.GetProperty("engine").GetString());
        Assert.Equal(2, root.GetProperty("ranks").GetInt32());
        Assert.Equal("mpirun", root.GetProperty("launch").GetString());
        Assert.StartsWith("Open MPI", root.GetProperty("mpi").GetString());
        var rows = root.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([1, 2], rows.Select(r => r.GetProperty("size_mib").GetInt32()));
        foreach (var r in rows)
        {
            Assert.True(r.GetProperty("correct").GetBoolean());
            // nccl-tests: busbw = algbw · 2(n−1)/n, i.e. equal at n = 2.
            Assert.Equal(r.GetProperty("algbw_gb_s").GetDouble(), r.GetProperty("busbw_gb_s").GetDouble(), 3);
            Assert.True(r.GetProperty("algbw_gb_s").GetDouble() > 0);
        }
    }

    [Fact]
    public async Task Train_LaunchedAsRankOfTwoWithoutTheMpiLibrary_Exit2WithOneLineNamingItAndTheRank()
    {
        var runDir = demo.NewRunDir("no-mpi");
        using var p = new NnclrProcess(demo.Root, new Dictionary<string, string>
        {
            ["OMPI_COMM_WORLD_SIZE"] = "2", ["OMPI_COMM_WORLD_RANK"] = "0", ["OMPI_COMM_WORLD_LOCAL_RANK"] = "0",
            ["NNCLR_MPI_LIBRARY"] = "libmpi-not-installed.so.40",
        }, demo.TrainArgs(runDir, steps: 2, checkpointEvery: 100));
        Assert.True(await p.WaitAsync(Limit) == 2, p.Output);
        var lines = p.Output.Split('\n').Where(l => l.Contains("cannot load libmpi-not-installed.so.40", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(lines);
        Assert.Contains("rank 0 of 2", lines[0]);
        Assert.Contains("openmpi-bin", lines[0]);
    }

    [Fact]
    public async Task Train_RanksGivenDifferentConfigurations_BothExit2NamingRank1()
    {
        var runDir = demo.NewRunDir("mismatch");
        var args = demo.TrainArgs(runDir, steps: 2, checkpointEvery: 100);
        using var p = NnclrProcess.Mpirun(demo.Root, NoEnv, 1, args, [.. args, "--lr", "0.123"]);
        int code = await p.WaitAsync(Limit);
        Assert.True(code == 2, $"exit {code}:\n{p.Output}");
        Assert.Contains("the ranks' configurations differ: rank 1 resolved another configuration than rank 0", p.Output);
        Assert.False(File.Exists(Path.Combine(runDir, "checkpoints", "ckpt-000000000002.nnclr")));
    }
}
