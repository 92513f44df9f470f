namespace Nnclr.Model;

/// <summary>
/// Checks that a checkpoint's stored configuration describes the tensors it actually holds, before anything is
/// built from that configuration: a small file whose configuration claims a 524,288 × 1,024 support set or
/// 16,384-wide heads must be refused from the sizes alone, not after the trainer allocated gigabytes.
/// </summary>
public static class CheckpointFit
{
    /// <summary>
    /// Throws <see cref="CheckpointFormatException"/> naming <paramref name="path"/> unless the support set and head
    /// tensors of <paramref name="state"/> have the shapes <paramref name="model"/> and <paramref name="nnclr"/> imply.
    /// </summary>
    public static void Require(string path, TrainerState state, ModelOptions model, NnclrOptions nnclr)
    {
        long q = nnclr.SupportSetSize, d = model.ProjectorOut, h = model.ProjectorHidden, p = model.PredictorHidden;
        Expect(path, state, "support.queue", [q, d]);
        Expect(path, state, "support.labels", [q]);
        Expect(path, state, "model.projector.3.weight", [h, h]);
        Expect(path, state, "model.projector.6.weight", [d, h]);
        Expect(path, state, "model.predictor.0.weight", [p, d]);
        Expect(path, state, "model.predictor.3.weight", [d, p]);
    }

    private static void Expect(string path, TrainerState state, string name, long[] shape)
    {
        if (!state.TryGet(name, out var t))
            throw new CheckpointFormatException(path, $"holds no tensor '{name}', which its stored configuration implies");
        if (!t.Shape.AsSpan().SequenceEqual(shape))
            throw new CheckpointFormatException(path,
                $"tensor '{name}' is [{string.Join(", ", t.Shape)}] but its stored configuration implies [{string.Join(", ", shape)}]; refusing to build a network from it");
    }
}
