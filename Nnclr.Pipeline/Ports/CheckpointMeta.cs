using Nnclr.Data.Shards;
namespace Nnclr.Pipeline.Ports;

/// <summary>
/// What a checkpoint records beside the trainer state.
/// </summary>
/// <param name="Step">Steps completed; a resumed run starts at this step.</param>
/// <param name="Cursor">Where the data resumes (the cursor after step <paramref name="Step"/>'s batch).</param>
/// <param name="Final">True for the checkpoint written at the end of the run or on a stop request.</param>
public readonly record struct CheckpointMeta(long Step, DataCursor Cursor, bool Final)
{
    /// <summary>Seconds the sink took to write it; set only on what observers are told (0 elsewhere).</summary>
    public double WriteSeconds { get; init; }
}
