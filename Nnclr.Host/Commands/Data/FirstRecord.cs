namespace Nnclr.Host.Commands.Data;

/// <summary>Label and first pixel of a split's record 0: a quick check against known values.</summary>
internal sealed record FirstRecord(int Label, string ClassName, int[] FirstPixel, string? SourcePath = null, int? EncodedBytes = null);
