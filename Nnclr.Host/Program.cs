using Nnclr.Host.Cli;
using Nnclr.Host.Configuration;
using Nnclr.Model.Runtime;

namespace Nnclr.Host;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            PrintHelp();
            return args.Length == 0 ? 2 : 0;
        }
        // Longest match first: "bench augment" before "bench".
        var command = CommandTable.All
            .OrderByDescending(c => c.Name.Split(' ').Length)
            .FirstOrDefault(c => Matches(c.Name, args));
        if (command is null)
        {
            Console.Error.WriteLine($"nnclr: unknown command '{string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')).Take(2))}'. Run 'nnclr help'.");
            return 2;
        }
        var rest = args.Skip(command.Name.Split(' ').Length).ToArray();
        if (rest.Contains("--help") || rest.Contains("-h"))
        {
            Console.WriteLine(command.Usage);
            return 0;
        }
        // The one cancellation source of every command: SIGINT (Ctrl-C) and SIGTERM cancel it. Commands that check it
        // (train, eval, bench pipeline: at the next step or evaluation batch; ingest folder: at the next chunk of images,
        // with its report written) keep the process alive for the first
        // signal and end cleanly; a second signal, or any signal to a command that does not check it, terminates the
        // process as before. `train` hands the token to its host, whose console lifetime reacts to the same signals.
        using var cts = new CancellationTokenSource();
        bool checksCancellation = command.Name is "train" or "eval knn" or "eval linear" or "bench pipeline"
            || (command.Name == "ingest" && rest.FirstOrDefault() == "folder");
        void OnSignal(System.Runtime.InteropServices.PosixSignalContext context)
        {
            context.Cancel = checksCancellation && !cts.IsCancellationRequested;
            cts.Cancel();
        }
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, OnSignal);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, OnSignal);
        try
        {
            return await command.RunAsync(new CliArgs(rest, command.Switches), cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            Console.Error.WriteLine($"nnclr {command.Name}: stopped");
            return 130;
        }
        catch (CliException e)
        {
            Console.Error.WriteLine($"nnclr {command.Name}: {e.Message}");
            Console.Error.WriteLine(command.Usage);
            return 2;
        }
        catch (TorchLoadException e)
        {
            Console.Error.WriteLine($"nnclr {command.Name}: {e.Message}");
            return 3;
        }
        catch (Exception e) when (e is ConfigurationException or Nnclr.Model.Runtime.DeviceUnavailableException)
        {
            Console.Error.WriteLine($"nnclr {command.Name}: {e.Message}");
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

    private static bool Matches(string name, string[] args)
    {
        var words = name.Split(' ');
        return args.Length >= words.Length && words.Select((w, i) => args[i] == w).All(b => b);
    }

    private static void PrintHelp()
    {
        Console.WriteLine("nnclr: NNCLR self-supervised training as a staged data pipeline.\n\nCommands:");
        foreach (var c in CommandTable.All.OrderBy(c => c.Name, StringComparer.Ordinal))
            Console.WriteLine($"  {c.Name,-18} {c.Summary}");
        Console.WriteLine("\nRun 'nnclr COMMAND --help' for a command's options.");
    }
}
