using Microsoft.Extensions.Options;
using Nnclr.Host.Cli;
using Nnclr.Host.Configuration;
using Nnclr.Model.Runtime;
using Nnclr.Pipeline.Session;

namespace Nnclr.Host.Tests;

/// <summary>The one mapping from a run's result or a command's exception to the exit code.</summary>
public sealed class ExitCodesTests
{
    [Fact]
    public void Of_RunResult_CompletedAndStoppedAre0_FailedIs1_OrUsageForAConfigurationFailure()
    {
        Assert.Equal(0, ExitCodes.Of(new RunResult(RunEnd.Completed, RunFailure.None, null, null, null, new FinalEvaluation(0.5, 0.9))));
        Assert.Equal(0, ExitCodes.Of(new RunResult(RunEnd.Stopped, RunFailure.None, null, null, null, null)));
        Assert.Equal(1, ExitCodes.Of(RunResult.Failed(RunFailure.Run, "NaN loss", nonFiniteLoss: true)));
        Assert.Equal(2, ExitCodes.Of(RunResult.Failed(RunFailure.Configuration, "Optim:BatchSize must be positive")));
    }

    [Fact]
    public void Of_Exception_NamesEachKind()
    {
        Assert.Equal(130, ExitCodes.Of(new OperationCanceledException(), cancelled: true));
        Assert.Equal(1, ExitCodes.Of(new OperationCanceledException(), cancelled: false)); // not asked to stop: a failure
        Assert.Equal(2, ExitCodes.Of(new CliException("--steps: not a number")));
        Assert.Equal(2, ExitCodes.Of(new ConfigurationException("Optim:BatchSize must be positive")));
        Assert.Equal(2, ExitCodes.Of(new OptionsValidationException("Optim", typeof(object), ["bad"])));
        Assert.Equal(2, ExitCodes.Of(new DeviceUnavailableException("cuda is not available")));
        Assert.Equal(3, ExitCodes.Of(new TorchLoadException("libtorch not found")));
        Assert.Equal(1, ExitCodes.Of(new IOException("disk full")));
        Assert.Equal(RunFailure.Configuration, ExitCodes.FailureOf(new ConfigurationException("x")));
        Assert.Equal(RunFailure.Run, ExitCodes.FailureOf(new InvalidDataException("shard damaged")));
    }
}
