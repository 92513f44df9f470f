using Nnclr.Model;
using Nnclr.Pipeline.Configuration;

namespace Nnclr.Pipeline.Session;

/// <summary>`train --init-from F` (Run:InitFrom): a new run's backbone starts from existing weights instead of random init.</summary>
public static class InitFrom
{
    /// <summary>
    /// Copies the backbone tensors of <paramref name="path"/> — a checkpoint, checkpoints folder or run directory (its
    /// newest valid checkpoint), or safetensors/.pth with torchvision key names — into <paramref name="backbone"/>,
    /// strictly; a file that does not fit is a configuration error listing the missing and unexpected keys. Returns the log line.
    /// </summary>
    public static string Apply(string path, TorchSharp.torch.nn.Module backbone)
    {
        try
        {
            if (!File.Exists(path) && !Directory.Exists(path)) throw new ConfigurationException($"Run:InitFrom: {path} does not exist");
            string description;
            WeightsFile weights;
            if (CheckpointLocator.IsCheckpoint(path))
            {
                var (state, meta, file) = CheckpointLocator.Latest(path, _ => { });
                weights = WeightsFile.FromTrainerState(file, state, new Dictionary<string, string>());
                description = $"checkpoint {file} (step {meta.Step})";
            }
            else
            {
                weights = WeightsFile.Read(path);
                description = $"weights {weights.Path} ({BackboneWeights.InferBackbone(weights)})";
            }
            BackboneWeights.CopyInto(backbone, weights);
            return $"Run:InitFrom: backbone initialised from {description}";
        }
        catch (Exception e) when (e is WeightsFormatException or CheckpointFormatException)
        {
            throw new ConfigurationException($"Run:InitFrom: {e.Message}", e);
        }
    }
}
