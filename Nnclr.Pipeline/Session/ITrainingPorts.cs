using Nnclr.Pipeline;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Session;

/// <summary>
/// Everything a run needs from Nnclr.Data and Nnclr.Model, built by the train command's factory from the
/// resolved configuration. The factory handles --resume: it loads the latest valid checkpoint (skipping a
/// damaged newest one with a warning), positions the source at its cursor and reports its step.
/// </summary>
public interface ITrainingPorts : IDisposable
{
    IBatchSource Source { get; }
    IViewAugmenter Augmenter { get; }
    ITrainStep Trainer { get; }
    ICheckpointSink Checkpoints { get; }

    /// <summary>Batch, image and view shapes.</summary>
    BatchGeometry Geometry { get; }

    /// <summary>Full batches per epoch (the source drops each epoch's incomplete tail).</summary>
    long StepsPerEpoch { get; }

    /// <summary>Steps already done: the resumed checkpoint's step, else 0.</summary>
    long StartStep { get; }

    /// <summary>The device the trainer lives on ("cpu", "cuda", "cuda:N").</summary>
    string Device { get; }

    /// <summary>
    /// Runs after the pipeline has ended (any thread; the train thread is gone), e.g. the final kNN
    /// evaluation. Its values go into summary.json and the final log line. <paramref name="stop"/> (SIGTERM)
    /// ends it within a batch with an <see cref="OperationCanceledException"/>.
    /// </summary>
    IReadOnlyDictionary<string, double> Finish(PipelineResult result, CancellationToken stop);

    /// <summary>Where evaluations made during the run (periodic kNN) are reported; ports without any ignore it.</summary>
    void ObserveEvaluations(IEvaluationObserver observer) { }

    /// <summary>Where <see cref="Finish"/> reports its progress and each network's result; ports without an evaluation ignore it.</summary>
    void ObserveFinalEvaluation(IFinalEvaluationObserver observer) { }
}
