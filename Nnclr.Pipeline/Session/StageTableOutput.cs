using Microsoft.Extensions.Logging;

namespace Nnclr.Pipeline.Session;

/// <summary>The end-of-run stage table: as a table on a terminal, as one "stages" log event otherwise.</summary>
public static class StageTableOutput
{
    /// <summary>Writes <paramref name="table"/> to <paramref name="terminal"/> (the progress writer) when there is one, else logs it.</summary>
    public static void Write(ILogger logger, TextWriter? terminal, string table)
    {
        if (terminal is null) { SessionLog.Stages(logger, table); return; }
        terminal.WriteLine(table);
        terminal.Flush();
    }
}
