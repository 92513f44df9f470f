namespace Nnclr.Model.Runtime;

/// <summary>libtorch or libLibTorchSharp could not be loaded; <see cref="Exception.Message"/> names the real cause.</summary>
public sealed class TorchLoadException(string message, Exception? inner = null) : Exception(message, inner);
