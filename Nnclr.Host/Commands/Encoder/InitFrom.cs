using Nnclr.Host.Cli;
using Nnclr.Host.Configuration;
using Nnclr.Model;

namespace Nnclr.Host.Commands;

/// <summary>`train --init-from F` (Run:InitFrom): a new run's backbone starts from existing weights instead of random init.</summary>
public static class InitFrom
{
    /// <summary>
    /// Copies the backbone tensors of <paramref name="path"/> (see <see cref="EncoderSource"/>) into <paramref name="backbone"/>,
    /// strictly; a file that does not fit is a configuration error listing the missing and unexpected keys. Returns the log line.
    /// </summary>
    public static string Apply(string path, TorchSharp.torch.nn.Module backbone)
    {
        try
        {
            var source = EncoderSource.Open(path, _ => { });
            BackboneWeights.CopyInto(backbone, source.Weights);
            return $"Run:InitFrom: backbone initialised from {source.Description}";
        }
        catch (CliException e) { throw new ConfigurationException($"Run:InitFrom: {e.Message}", e); }
        catch (WeightsFormatException e) { throw new ConfigurationException($"Run:InitFrom: {e.Message}", e); }
    }
}
