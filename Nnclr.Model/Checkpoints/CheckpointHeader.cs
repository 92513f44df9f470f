namespace Nnclr.Model;

/// <summary>The JSON header of a checkpoint file: the meta and the table of tensors that follow it.</summary>
internal sealed class CheckpointHeader
{
    public CheckpointMeta Meta { get; set; } = new();
    public List<CheckpointEntry> Tensors { get; set; } = [];
}

/// <summary>One tensor in the table: bytes [Offset, Offset + Length) of the data section.</summary>
internal sealed class CheckpointEntry
{
    public string Name { get; set; } = "";
    public string DType { get; set; } = "";
    public long[] Shape { get; set; } = [];
    public long Offset { get; set; }
    public long Length { get; set; }
}
