using Nnclr.Data.Shards;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Stages;

/// <summary>
/// What flows between stages: which slot of the next ring holds the batch, and where it sits in the run.
/// A 48-byte struct (two ints padded to 8 beside four longs); never an array.
/// </summary>
/// <param name="Slot">Index into the ring the receiving stage reads.</param>
/// <param name="Step">The 0-based training step this batch feeds.</param>
/// <param name="Count">Samples in the batch (always the batch size: sources drop incomplete tails).</param>
/// <param name="Epoch">The epoch all of the batch's samples come from.</param>
/// <param name="CursorAfter">The data cursor after this batch: where a run checkpointed after it resumes.</param>
internal readonly record struct BatchTicket(int Slot, long Step, int Count, long Epoch, DataCursor CursorAfter);
