using System.Collections;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace TinyGpt.Interop;

/// <summary>
/// Reads and writes a state dict (tensor name → tensor) as PyTorch's <c>torch.save</c> zip or as
/// safetensors, through TorchSharp.PyBridge. Knows nothing of models: see
/// <see cref="NanoGptImport"/> and <see cref="NanoGptExport"/> for that.
/// </summary>
/// <remarks>
/// <para>
/// Tied weights. nanoGPT's checkpoints hold <c>transformer.wte.weight</c> and <c>lm_head.weight</c>
/// in one storage. PyBridge 1.4.4's <c>load_py</c> unpickles with deferred reads: one zip-entry
/// stream per pickled tensor object, read once when the weights are copied. Where one tensor
/// object stands under two keys (the pickler memoises it, so both keys get the same deferred
/// tensor) the second copy reads the stream the first disposed: <see cref="ObjectDisposedException"/>,
/// <c>skip</c> or not. (Two distinct tensor objects over one storage, which is what PyTorch 1.13's
/// <c>torch.save(model.state_dict())</c> writes, each get their own stream.) PyBridge's lower-level
/// <see cref="PyTorchUnpickler.UnpickleStateDict(Stream, bool, bool)"/> with eager reads
/// materialises every tensor object while unpickling, so both layouts load: a memoised object comes
/// back as one tensor under both keys, and this class gives every key a tensor of its own.
/// No reader of our own is needed.
/// </para>
/// <para>
/// Safety. Loading never runs code from a file, and no size read from a file reaches an
/// allocation unchecked. Before PyBridge sees a file, safetensors headers are checked by
/// <see cref="SafetensorsHeader"/> (dtypes, ranks, sizes, ranges inside the file, no overlaps) and
/// <c>.pt</c> zips by <see cref="TorchSaveArchive"/> and <see cref="StateDictPickle"/>, which walks the
/// pickle's opcodes without running them and admits only the callables that rebuild tensors and
/// ordered dictionaries (as PyTorch's <c>weights_only</c> loader does), storages that are archive
/// entries of exactly their size and tensors inside their storages. PyBridge's unpickler itself
/// also calls nothing the file names. Every refusal is a <see cref="WeightFileException"/>.
/// </para>
/// </remarks>
public static class StateDictFile
{
    /// <summary>
    /// Reads every tensor of a <c>torch.save</c> state dict or a safetensors file (format detected
    /// from the content). A nanoGPT training checkpoint (<c>ckpt.pt</c>: a dictionary whose
    /// <c>model</c> entry is the state dict) yields that state dict. Every name gets its own CPU
    /// tensor, also where the file shares one storage between names; the caller owns them.
    /// Names come in order: safetensors in file order, <c>.pt</c> in natural order.
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="WeightFileException">
    /// Not a readable state dict, or one that asks for more than data (a callable, an impossible
    /// shape, bytes the file does not hold); one line names the file, the entry and the rule.
    /// </exception>
    public static Dictionary<string, Tensor> Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no weights file at {path}", path);
        var format = WeightFormats.Detect(path);
        // Every rule is checked on the file's own bytes before PyBridge allocates anything from it.
        if (format == WeightFormat.Pt)
            TorchSaveArchive.Validate(path);
        else
            SafetensorsHeader.Validate(path);
        try
        {
            return format == WeightFormat.Pt ? LoadPt(path) : LoadSafetensors(path);
        }
        catch (Exception e) when (e is not TinyGptException and not FileNotFoundException)
        {
            // Whatever slipped past the checks: the library's message may hold native stack frames
            // or advice for its own API, so the user sees what failed, and --verbose the cause.
            throw new WeightFileException(path, format == WeightFormat.Pt ? "pickle" : "tensor data",
                $"cannot be read as {format.Name()} weights: it is damaged or not a state dict", e);
        }
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> in order to <paramref name="path"/> (replacing it only once
    /// the new file is complete). In <see cref="WeightFormat.Pt"/> names whose tensors share one
    /// storage share it in the file, as <c>torch.save</c> of a tied nanoGPT model does; safetensors
    /// forbids shared storage, so there every name gets its own copy.
    /// </summary>
    public static void Save(IEnumerable<KeyValuePair<string, Tensor>> tensors, string path, WeightFormat format)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + ".partial";
        try
        {
            using (var scope = NewDisposeScope())
            {
                var dict = format == WeightFormat.Pt ? SharingStorage(tensors) : Contiguous(tensors);
                using var stream = File.Create(temporary);
                if (format == WeightFormat.Pt)
                    PyTorchPickler.PickleStateDict(stream, dict, leaveOpen: true);
                else
                    Safetensors.SaveStateDict(stream, dict, leaveOpen: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);                                         // only left over when writing failed
        }
    }

    static Dictionary<string, Tensor> Contiguous(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        var dict = new Dictionary<string, Tensor>();
        foreach (var (name, tensor) in tensors)
            dict.Add(name, tensor.detach().cpu().contiguous());
        return dict;
    }

    // One tensor object per storage, so PyBridge's pickler (which memoises objects) writes one
    // storage for tied names and torch.load gives them back tied.
    static Dictionary<string, Tensor> SharingStorage(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        var dict = new Dictionary<string, Tensor>();
        var byStorage = new Dictionary<(nint, string), Tensor>();
        foreach (var (name, tensor) in tensors)
        {
            var cpu = tensor.detach().cpu().contiguous();
            var key = (TensorStorage.Address(cpu), $"{cpu.dtype}{string.Join(",", cpu.shape)}");
            if (!byStorage.TryGetValue(key, out var shared))
                byStorage.Add(key, shared = cpu);
            dict.Add(name, shared);
        }
        return dict;
    }

    static Dictionary<string, Tensor> LoadSafetensors(string path)
    {
        using var stream = File.OpenRead(path);
        return Safetensors.LoadStateDict(stream);
    }

    static Dictionary<string, Tensor> LoadPt(string path)
    {
        Hashtable top;
        using (var stream = File.OpenRead(path))
            top = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: false, skipTensorRead: false);

        var state = top["model"] is Hashtable inner && inner.Values.OfType<Tensor>().Any()
            ? inner                                                         // nanoGPT's ckpt.pt
            : top;

        var result = new Dictionary<string, Tensor>();
        var owned = new HashSet<IntPtr>();
        foreach (var name in state.Keys.OfType<string>().Order(NaturalOrder.Instance))
        {
            if (state[name] is not Tensor tensor) continue;
            // The same pickled object under two names: give the second its own copy.
            result.Add(name, owned.Add(tensor.Handle) ? tensor : tensor.clone());
        }
        DisposeAllBut(top, owned);
        if (result.Count == 0)
            throw new WeightFileException(path, "state dict", "holds no tensors: expected torch.save(model.state_dict())");
        return result;
    }

    // The rest of a training checkpoint (optimizer moments and the like) is native memory: free it now.
    static void DisposeAllBut(object? node, HashSet<IntPtr> kept)
    {
        switch (node)
        {
            case Tensor t:
                if (!kept.Contains(t.Handle) && t.Handle != IntPtr.Zero) t.Dispose();
                break;
            case IDictionary d:
                foreach (var value in d.Values) DisposeAllBut(value, kept);
                break;
            case IEnumerable list and not string:
                foreach (var value in list) DisposeAllBut(value, kept);
                break;
        }
    }

    /// <summary>Orders <c>h.2</c> before <c>h.10</c>: runs of digits compare as numbers.</summary>
    sealed class NaturalOrder : IComparer<string>
    {
        public static readonly NaturalOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            if (x is null || y is null) return string.CompareOrdinal(x, y);
            int i = 0, j = 0;
            while (i < x.Length && j < y.Length)
            {
                if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
                {
                    int si = i, sj = j;
                    while (i < x.Length && char.IsAsciiDigit(x[i])) i++;
                    while (j < y.Length && char.IsAsciiDigit(y[j])) j++;
                    var a = x[si..i].TrimStart('0');
                    var b = y[sj..j].TrimStart('0');
                    var byNumber = a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b);
                    if (byNumber != 0) return byNumber;
                }
                else
                {
                    if (x[i] != y[j]) return x[i].CompareTo(y[j]);
                    i++;
                    j++;
                }
            }
            return (x.Length - i).CompareTo(y.Length - j);
        }
    }
}
