using Nnclr.Host.Cli;
using Nnclr.Host.Configuration;
using Nnclr.Model.Distributed;
using Nnclr.Model.Runtime;

namespace Nnclr.Host;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var parsed = new CommandLine(CommandTable.All).Parse(args, Console.Out, Console.Error, out int handled);
        if (parsed is null) return handled;
        var (command, cliArgs) = (parsed.Command, parsed.Args);
        // The one cancellation source of every command: SIGINT (Ctrl-C) and SIGTERM cancel it. Commands that check it
        // (train, eval, bench pipeline: at the next step or evaluation batch; ingest folder: at the next chunk of images,
        // with its report written) keep the process alive for the first
        // signal and end cleanly; a second signal, or any signal to a command that does not check it, terminates the
        // process as before. `train` hands the token to its host, whose console lifetime reacts to the same signals.
        using var cts = new CancellationTokenSource();
        bool checksCancellation = command.Name is "train" or "finetune" or "eval knn" or "eval linear" or "bench pipeline"
            || (command.Name == "ingest" && cliArgs.Positionals.FirstOrDefault() == "folder");
        void OnSignal(System.Runtime.InteropServices.PosixSignalContext context)
        {
            context.Cancel = checksCancellation && !cts.IsCancellationRequested;
            cts.Cancel();
        }
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, OnSignal);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, OnSignal);
        try
        {
            return await command.RunAsync(cliArgs, cts.Token);
        }
        // Bad data, a damaged checkpoint, I/O: one line that names the file or setting (the exception messages do);
        // NNCLR_DEBUG=1 shows the stack trace of an unexpected error instead. The exit code: ExitCodes.Of.
        catch (Exception e) when ((e is OperationCanceledException && cts.IsCancellationRequested) || e is CliException or TorchLoadException
            or ConfigurationException or DeviceUnavailableException or DistributedLaunchException || Environment.GetEnvironmentVariable("NNCLR_DEBUG") is not "1")
        {
            int code = ExitCodes.Of(e, cts.IsCancellationRequested);
            if (code == ExitCodes.Interrupted) Console.Error.WriteLine($"nnclr {command.Name}: stopped");
            else if (e is ConfigurationException or DeviceUnavailableException or DistributedLaunchException)
                foreach (var line in e.Message.Split('\n')) Console.Error.WriteLine($"nnclr {command.Name}: {line}");
            else Console.Error.WriteLine($"nnclr {command.Name}: {e.Message}");
            if (e is CliException) Console.Error.WriteLine(command.Options is null ? command.Usage : $"Run 'nnclr {command.Name} --help' for its options.");
            return code;
        }
    }
}
