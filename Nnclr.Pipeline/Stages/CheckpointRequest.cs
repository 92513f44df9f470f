using Nnclr.Model;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Stages;

/// <summary>A snapshot taken on the train thread, travelling to the checkpoint thread with its metadata.</summary>
internal readonly record struct CheckpointRequest(TrainerSnapshot Snapshot, CheckpointMeta Meta);
