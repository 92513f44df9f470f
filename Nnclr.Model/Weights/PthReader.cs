using System.Collections;

namespace Nnclr.Model;

/// <summary>
/// Reads a PyTorch state_dict written by <c>torch.save(model.state_dict(), F)</c> (the zip format, PyTorch ≥ 1.6)
/// with TorchSharp.PyBridge's unpickler, into host tensors. Only tensors are kept; a saved whole model (not a
/// state_dict) or the legacy format is refused with a clear error.
/// </summary>
public static class PthReader
{
    public static WeightsFile Read(string path)
    {
        Hashtable dict;
        try
        {
            using var fs = File.OpenRead(path);
            dict = TorchSharp.PyBridge.PyTorchUnpickler.UnpickleStateDict(fs);
        }
        // The unpickler reports content it does not support with assorted system exceptions (unsupported type, cast,
        // missing key, bad data): any of them, or a pickle error, means "not a state_dict this reader understands".
        catch (Exception e) when (e is Razorvine.Pickle.PickleException || (e is SystemException && e is not OutOfMemoryException))
        {
            throw new WeightsFormatException(path, $"not a PyTorch state_dict this reader understands ({e.GetType().Name}: {e.Message}); save one with torch.save(model.state_dict(), F)");
        }
        var tensors = new List<StateTensor>(dict.Count);
        try
        {
            foreach (DictionaryEntry e in dict)
            {
                if (e.Key is not string name || e.Value is not Tensor t)
                    throw new WeightsFormatException(path, $"entry '{e.Key}' is not a named tensor (a state_dict maps names to tensors)");
                // PyBridge rebuilds 0-dim tensors (e.g. num_batches_tracked) with shape [1]; PyTorch's are [].
                using var shaped = name.EndsWith(".num_batches_tracked", StringComparison.Ordinal) && t.numel() == 1 ? t.reshape([]) : t.alias();
                tensors.Add(StateTensor.From(name, shaped));
            }
        }
        finally
        {
            foreach (DictionaryEntry e in dict) (e.Value as IDisposable)?.Dispose();
        }
        return new WeightsFile(Path.GetFullPath(path), tensors.OrderBy(t => t.Name, StringComparer.Ordinal), new Dictionary<string, string>());
    }
}
