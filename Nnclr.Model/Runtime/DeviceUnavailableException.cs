namespace Nnclr.Model.Runtime;

/// <summary>The device a run asks for cannot be used here; the message is one line with the cause and the fix.</summary>
public sealed class DeviceUnavailableException(string message) : Exception(message);
