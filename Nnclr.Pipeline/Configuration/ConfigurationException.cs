namespace Nnclr.Pipeline.Configuration;

/// <summary>Bad configuration (file, preset, value, rule): one message naming the setting; exit code 2.</summary>
public sealed class ConfigurationException(string message, Exception? inner = null) : Exception(message, inner);
