using Nnclr.Host.Cli;

namespace Nnclr.Host.Tests;

/// <summary>The System.CommandLine layer in process: parsing into CliArgs, help, version and mistakes.</summary>
public sealed class CommandLineTests
{
    private static (CliInvocation? Invocation, int Code, string Out, string Err) Parse(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var invocation = new CommandLine(CommandTable.All).Parse(args, output, error, out int code);
        return (invocation, code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Parse_TrainOptions_ReadThroughTheSameCliArgsApi()
    {
        var r = Parse("train", "-p", "demo", "--epochs", "3", "--lr", "0.5", "--resume", "--set", "A:B=1", "--set", "C:D=2");
        var args = Assert.IsType<CliInvocation>(r.Invocation).Args;
        Assert.Equal("train", r.Invocation!.Command.Name);
        Assert.Equal("demo", args.String("preset"));
        Assert.Equal(3, args.Int("epochs"));
        Assert.Equal(0.5, args.Double("lr"));
        Assert.True(args.Flag("resume"));
        Assert.False(args.Flag("force"));
        Assert.False(args.Has("max-steps"));
        Assert.Equal(["A:B=1", "C:D=2"], args.Strings("set"));
        args.EnsureAllUsed();
    }

    [Fact]
    public void Parse_IngestPositionals_InOrder()
    {
        var r = Parse("ingest", "folder", "/photos", "--out", "/d", "--size", "32");
        var args = r.Invocation!.Args;
        Assert.Equal(["folder", "/photos"], args.Positionals);
        Assert.Equal(32, args.Int("size"));
    }

    [Fact]
    public void Parse_IngestUnknownKind_RejectedListingTheKinds()
    {
        var r = Parse("ingest", "cifar11", "--out", "/d");
        Assert.Null(r.Invocation);
        Assert.Equal(2, r.Code);
        Assert.Contains("cifar10", r.Err);
    }

    [Fact]
    public void Parse_OptionGivenTwice_Rejected()
    {
        var r = Parse("train", "-p", "demo", "--epochs", "3", "--epochs", "4");
        Assert.Null(r.Invocation);
        Assert.Equal(2, r.Code);
        Assert.Contains("--epochs", r.Err);
    }

    [Fact]
    public void Parse_NoArguments_ListsCommandsAndExits2()
    {
        var r = Parse();
        Assert.Equal(2, r.Code);
        Assert.Contains("train", r.Out);
        Assert.Contains("config", r.Out);
    }

    [Fact]
    public void Parse_Version_PrintsBuildInfo()
    {
        var r = Parse("--version");
        Assert.Equal(0, r.Code);
        Assert.Equal(BuildInfo.Line, r.Out.Trim());
        Assert.StartsWith("nnclr ", BuildInfo.Line);
    }

    [Theory]
    [InlineData("-resume", "--resume")]
    [InlineData("--reusme", "--resume")]
    [InlineData("--batchsize", "--batch-size")]
    public void Parse_NearMissOption_SuggestsTheOption(string typo, string expected)
    {
        var r = Parse("train", "-p", "demo", typo);
        Assert.Equal(2, r.Code);
        Assert.Contains($"did you mean '{expected}'?", r.Err);
    }

    [Fact]
    public void Parse_OldStyleCommand_StillRunsThroughTheHandWrittenParser()
    {
        var legacy = new LegacyCommand();
        var (output, error) = (new StringWriter(), new StringWriter());
        var invocation = new CommandLine([.. CommandTable.All, legacy]).Parse(["legacy", "thing", "--n", "5", "--flag"], output, error, out _);
        Assert.Same(legacy, invocation!.Command);
        Assert.Equal(5, invocation.Args.Int("n"));
        Assert.True(invocation.Args.Flag("flag"));
        Assert.Equal(["thing"], invocation.Args.Positionals);
    }

    private sealed class LegacyCommand : ICliCommand
    {
        public string Name => "legacy";
        public string Summary => "an old-style command";
        public string Usage => "usage: nnclr legacy X [--n N] [--flag]";
        public IReadOnlySet<string> Switches { get; } = new HashSet<string> { "flag" };
        public Task<int> RunAsync(CliArgs args, CancellationToken ct) => Task.FromResult(0);
    }
}
