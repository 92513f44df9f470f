namespace Nnclr.Host.Tests.Integration;

/// <summary>
/// The real `nnclr` executable given the mistakes a new user makes (issue 13): each is one clear line and exit 2,
/// never a stack trace; and `config show` → `--config` reproduces the run's config.resolved.json byte for byte.
/// </summary>
[Collection("train-process")]
public sealed class CommandLineProcessTests(DemoData demo) : IClassFixture<DemoData>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    private async Task<(int Code, string Output)> Run(params string[] args) => await Run(new Dictionary<string, string>(), args);

    private async Task<(int Code, string Output)> Run(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var p = new NnclrProcess(demo.Root, environment, args);
        int code = await p.WaitAsync(Limit);
        return (code, p.Output);
    }

    private static void AssertUsageError((int Code, string Output) r, params string[] expected)
    {
        Assert.True(r.Code == 2, $"expected exit 2, got {r.Code}:\n{r.Output}");
        foreach (var e in expected) Assert.Contains(e, r.Output);
        Assert.DoesNotContain("   at ", r.Output); // no stack trace
        Assert.DoesNotContain("Exception", r.Output);
    }

    [Fact]
    public async Task Train_SingleDashTypoAndStrayWords_RejectedWithDidYouMean()
    {
        var r = await Run("train", "--preset", "demo", "-resume", "extra", "words");
        AssertUsageError(r, "nnclr train: unknown option '-resume'; did you mean '--resume'?", "unexpected argument 'extra'", "unexpected argument 'words'");
    }

    [Fact]
    public async Task Train_MisspelledOption_RejectedWithDidYouMean()
    {
        var r = await Run("train", "--preset", "demo", "--max-step", "5");
        AssertUsageError(r, "unknown option '--max-step'; did you mean '--max-steps'?");
    }

    [Fact]
    public async Task Train_NotANumber_RejectedNamingOptionAndValue()
    {
        var r = await Run("train", "--preset", "demo", "--epochs", "ten");
        AssertUsageError(r, "--epochs: 'ten' is not a whole number in range");
    }

    [Fact]
    public async Task Train_ShortPresetAliasAndRepeatedSet_DryRunApplied()
    {
        var r = await Run("train", "-p", "demo", "--set", "Optim:BatchSize=64", "--set", "Optim:Epochs=2", "--dry-run");
        Assert.True(r.Code == 0, r.Output);
        Assert.Contains("\"BatchSize\": 64", r.Output);
        Assert.Contains("\"Epochs\": 2", r.Output);
    }

    [Fact]
    public async Task Train_ResponseFile_ReadAsArguments()
    {
        var rsp = Path.Combine(demo.Root, "args.rsp");
        File.WriteAllText(rsp, "--preset demo\n--batch-size 256\n--dry-run\n");
        var r = await Run("train", "@" + rsp);
        Assert.True(r.Code == 0, r.Output);
        Assert.Contains("\"BatchSize\": 256", r.Output);
    }

    [Fact]
    public async Task Version_PrintsVersionCommitAndBackend()
    {
        var r = await Run("--version");
        Assert.True(r.Code == 0, r.Output);
        Assert.Matches(@"^nnclr \d+\.\d+\.\d+ \(commit [0-9a-f]+|unknown\) backend (cpu|cuda|external), TorchSharp \S+, libtorch \S+", r.Output.Trim());
    }

    [Theory]
    [InlineData("eval", "knn", "linear")]
    [InlineData("bench", "augment", "pipeline")]
    public async Task Group_WithoutCommand_ListsItsCommands(string group, string first, string second)
    {
        var r = await Run(group);
        Assert.Equal(2, r.Code);
        Assert.Contains(first, r.Output);
        Assert.Contains(second, r.Output);
    }

    [Fact]
    public async Task Group_MisspelledCommand_RejectedWithDidYouMean()
    {
        var r = await Run("eval", "kmn");
        AssertUsageError(r, "nnclr eval: unknown command 'kmn'; did you mean 'knn'?");
    }

    [Fact]
    public async Task Ingest_WithoutKind_ListsWhatItIngests()
    {
        var r = await Run("ingest", "--out", Path.Combine(demo.Root, "nothing"));
        AssertUsageError(r, "nnclr ingest: missing KIND: What to ingest (cifar10, cifar100, stl10, folder, demo)");
    }

    [Fact]
    public async Task Train_HelpOption_DescribesEachOptionWithDefault()
    {
        var r = await Run("train", "-h");
        Assert.True(r.Code == 0, r.Output);
        Assert.Contains("--max-steps <N>", r.Output);
        Assert.Contains("[default: 0]", r.Output);
        Assert.Contains("--allow-config-change", r.Output);
    }

    [Fact]
    public async Task Train_MisspelledSectionInSet_RejectedNamingKeyAndSource()
    {
        var r = await Run("train", "--preset", "demo", "--set", "Optmi:BatchSize=64", "--dry-run");
        AssertUsageError(r, "unknown section 'Optmi' in Optmi:BatchSize (from the command line); did you mean 'Optim:BatchSize'?");
    }

    [Fact]
    public async Task Train_MisspelledSectionInEnvironment_RejectedNamingVariable()
    {
        var r = await Run(new Dictionary<string, string> { ["NNCLR_Optmi__BatchSize"] = "64" }, "train", "--preset", "demo", "--dry-run");
        AssertUsageError(r, "unknown section 'Optmi' in Optmi:BatchSize (from environment variable NNCLR_Optmi__BatchSize)");
    }

    [Fact]
    public async Task Train_EnvironmentSettingWithOneUnderscore_RejectedShowingTheRightName()
    {
        var r = await Run(new Dictionary<string, string> { ["NNCLR_Optim_BatchSize"] = "64" }, "train", "--preset", "demo", "--dry-run");
        AssertUsageError(r, "environment variable NNCLR_Optim_BatchSize is not a setting", "NNCLR_Optim__BatchSize");
    }

    [Fact]
    public async Task Train_ValueOutOfRange_OneLineWithValueRuleAndSource()
    {
        var file = Path.Combine(demo.Root, "bad.yaml");
        File.WriteAllText(file, "Optim:\n  BatchSize: 0\n");
        var r = await Run("train", "--preset", "demo", "--config", file, "--run-dir", demo.NewRunDir("bad"));
        AssertUsageError(r, $"nnclr train: Optim:BatchSize = '0' (from file '{file}'): must be between");
        Assert.Single(r.Output.Trim().Split('\n'));
    }

    [Fact]
    public async Task ConfigShow_FedBackWithConfig_DryRunAndRunWriteTheSameBytes()
    {
        var run = demo.NewRunDir("roundtrip");
        var shown = await Run("config", "show", "--preset", "demo", "--data", demo.DataDir, "--run-dir", run, "--max-steps", "2",
            "--set", "Optim:BatchSize=32;Nnclr:SupportSetSize=256;Eval:Baseline=false");
        Assert.True(shown.Code == 0, shown.Output);
        var file = Path.Combine(demo.Root, "roundtrip.json");
        File.WriteAllText(file, shown.Output);
        // Two settings stay "auto" on purpose: the log format (a property of the terminal) and the collectives engine (a
        // property of the launch: a run may be resumed at another world size, so the stored configuration names none).
        Assert.DoesNotContain("\"auto\"", shown.Output.Replace("\"LogFormat\": \"auto\"", "", StringComparison.Ordinal)
            .Replace("\"Engine\": \"auto\"", "", StringComparison.Ordinal));
        Assert.Contains($"\"Dir\": \"{demo.DataDir}\"", shown.Output);

        var dry = await Run("train", "--config", file, "--dry-run");
        Assert.True(dry.Code == 0, dry.Output);
        Assert.Equal(shown.Output, dry.Output);

        var trained = await Run("train", "--config", file);
        Assert.True(trained.Code == 0, trained.Output);
        Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(run, "config.resolved.json")));
    }

    [Fact]
    public async Task Resume_WithChangedEpochs_RefusedUnlessAllowed()
    {
        var run = demo.NewRunDir("epochs");
        var first = await Run(demo.TrainArgs(run, 4, 2));
        Assert.True(first.Code == 0, first.Output);
        var refused = await Run([.. demo.TrainArgs(run, 6, 2, "--resume"), "--epochs", "9"]);
        AssertUsageError(refused, "--resume refused", "Optim:Epochs 6 → 9", "--allow-config-change Optim:Epochs");
        var typo = await Run([.. demo.TrainArgs(run, 6, 2, "--resume"), "--epochs", "9", "--allow-config-change", "Optim:Epoch"]);
        AssertUsageError(typo, "--allow-config-change: 'Optim:Epoch' is not a setting; did you mean 'Optim:Epochs'?");
        var allowed = await Run([.. demo.TrainArgs(run, 6, 2, "--resume"), "--epochs", "9", "--allow-config-change", "Optim:Epochs"]);
        Assert.True(allowed.Code == 0, allowed.Output);
        Assert.Contains("step 4", allowed.Output);
    }

    [Fact]
    public async Task Train_OnPseudoTerminal_DrawsABarAndPrintsPhasesAndTheStageTable()
    {
        // `script` gives the child a pseudo-terminal, as a person's shell would.
        var run = demo.NewRunDir("pty");
        var args = string.Join(' ', new[] { "dotnet", Path.Combine(AppContext.BaseDirectory, "nnclr.dll") }
            .Concat(demo.TrainArgs(run, 6, 3)).Append("--log-format").Append("auto").Select(a => "'" + a + "'"));
        var psi = new System.Diagnostics.ProcessStartInfo("script", ["-qec", args, "/dev/null"])
        {
            WorkingDirectory = demo.Root, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
        };
        psi.Environment.Remove("NNCLR_Run__LogFormat");
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Limit);
        await p.WaitForExitAsync(cts.Token);
        var output = await stdout;
        Assert.True(p.ExitCode == 0, output);
        // The bar, redrawn in place: cells, percent, step/total, epoch, elapsed, ETA, images/s, loss, NN accuracy.
        Assert.Matches(@"\r\u001b\[2K\[[█░]{24}\] +\d+% step \d+/6 epoch \d+ \| \d\d:\d\d elapsed, ETA (\d\d:\d\d|--:--) \| [\d,]+ img/s \| loss \d+\.\d{4} \| nn-acc \d+\.\d %", output);
        Assert.Contains("final evaluation…", output);
        Assert.Matches(@"final evaluation done in \d+\.\d s", output);
        // The stage table keeps its rows: the header and each stage start their own lines.
        Assert.Matches(@"(?m)^stage +items +items/s", output);
        Assert.Matches(@"(?m)^train +\d+ ", output);
        Assert.DoesNotContain("{\"time\"", output); // not JSON on a terminal
    }

    [Fact]
    public async Task Train_JsonLogs_UtcSnakeCaseAndOneObjectForTheFinalEvaluation()
    {
        var run = demo.NewRunDir("json");
        var r = await Run([.. demo.TrainArgs(run, 4, 2), "--set", "Eval:Baseline=true"]);
        Assert.True(r.Code == 0, r.Output);
        var lines = r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith('{')).ToList();
        var events = lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        foreach (var e in events)
        {
            var time = e.GetProperty("time").GetString()!;
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", time);
            var at = DateTime.Parse(time, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);
            Assert.InRange(at, DateTime.UtcNow.AddMinutes(-10), DateTime.UtcNow.AddMinutes(1)); // true UTC, not local time labelled Z
        }
        var interval = events.First(e => e.GetProperty("event").GetString() == "interval");
        var metrics = System.Text.Json.JsonDocument.Parse(File.ReadLines(Path.Combine(run, "metrics.jsonl")).First()).RootElement;
        foreach (var name in new[] { "step", "epoch", "loss", "lr", "nn_acc", "images_per_s", "bottleneck" })
        {
            Assert.True(interval.TryGetProperty(name, out _), $"interval event lacks {name}: {interval}");
            Assert.True(metrics.TryGetProperty(name, out _), $"metrics.jsonl lacks {name}");
        }
        var final = Assert.Single(events, e => e.GetProperty("event").GetString() == "final_eval");
        using var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json")));
        foreach (var field in summary.RootElement.GetProperty("final_eval").EnumerateObject())
            Assert.Equal(field.Value.GetDouble(), final.GetProperty(field.Name).GetDouble());
        Assert.True(final.TryGetProperty("knn_top1_random_init", out _));
    }
}
