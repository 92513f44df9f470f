namespace Nnclr.Host.Commands.Data;

/// <summary>Records of one class in a split.</summary>
internal sealed record ClassCount(string Name, int Count);
