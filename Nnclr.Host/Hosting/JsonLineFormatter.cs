using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Nnclr.Host.Hosting;

/// <summary>
/// `Run:LogFormat json`: one flat JSON object per log line, {"time":"…Z","level":"info","event":"interval","step":…},
/// with true UTC times and the message's fields at the top level under the snake_case names metrics.jsonl and
/// summary.json use (the log messages name their placeholders so), e.g. {"event":"final_eval","knn_top1":…}.
/// </summary>
public sealed class JsonLineFormatter() : ConsoleFormatter(Name)
{
    /// <summary>The formatter's name for AddConsole(o =&gt; o.FormatterName = …).</summary>
    public new const string Name = "nnclr-json";

    // Non-ASCII text (→, …, τ) kept readable; control characters and quotes still escaped.
    private static readonly JsonWriterOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    // Fields written by the formatter itself; a message placeholder of the same name (e.g. "{Message}") is the text already.
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase) { "time", "level", "event", "category", "message" };
    // Reused per line by the console logger's single writer thread.
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        lock (_buffer)
        {
            _buffer.ResetWrittenCount();
            using (var w = new Utf8JsonWriter(_buffer, Options))
            {
                w.WriteStartObject();
                w.WriteString("time", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                w.WriteString("level", Level(logEntry.LogLevel));
                w.WriteString("event", string.IsNullOrEmpty(logEntry.EventId.Name) ? "log" : logEntry.EventId.Name);
                w.WriteString("category", logEntry.Category);
                w.WriteString("message", message);
                if (logEntry.State is IEnumerable<KeyValuePair<string, object?>> fields)
                    foreach (var (key, value) in fields)
                    {
                        if (key is "{OriginalFormat}" || Reserved.Contains(key)) continue;
                        WriteValue(w, key, value);
                    }
                if (logEntry.Exception is { } e) w.WriteString("error", e.Message);
                w.WriteEndObject();
            }
            textWriter.Write(Encoding.UTF8.GetString(_buffer.WrittenSpan));
            textWriter.Write('\n');
        }
    }

    private static void WriteValue(Utf8JsonWriter w, string key, object? value)
    {
        switch (value)
        {
            case null: w.WriteNull(key); break;
            case bool b: w.WriteBoolean(key, b); break;
            case int or long or short or byte or uint or ulong: w.WriteNumber(key, Convert.ToInt64(value, CultureInfo.InvariantCulture)); break;
            case double d when double.IsFinite(d): w.WriteNumber(key, d); break;
            case float f when float.IsFinite(f): w.WriteNumber(key, f); break;
            case decimal m: w.WriteNumber(key, m); break;
            case double or float: w.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture)); break; // NaN/Inf are not JSON numbers
            default: w.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => "none",
    };
}
