using Nnclr.Host.Cli;
using Nnclr.Host.Configuration;
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
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            Console.Error.WriteLine($"nnclr {command.Name}: stopped");
            return 130;
        }
        catch (CliException e)
        {
            Console.Error.WriteLine($"nnclr {command.Name}: {e.Message}");
            Console.Error.WriteLine(command.Options is null ? command.Usage : $"Run 'nnclr {command.Name} --help' for its options.");
            return 2;
        }
        catch (TorchLoadException e)
        {
            Console.Error.WriteLine($"nnclr {command.Name}: {e.Message}");
            return 3;
        }
        catch (Exception e) when (e is ConfigurationException or Nnclr.Model.Runtime.DeviceUnavailableException or Nnclr.Model.Distributed.DistributedLaunchException)
        {
            foreach (var line in e.Message.Split('\n')) Console.Error.WriteLine($"nnclr {command.Name}: {line}");
            return 2;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("NNCLR_DEBUG") is not "1")
        {
            // Bad data, a damaged checkpoint, I/O: one line that names the file or setting (the exception
            // messages do); NNCLR_DEBUG=1 shows the stack trace instead.
            Console.Error.WriteLine($"nnclr {command.Name}: {e.Message}");
            return 1;
        }
    }
}
