using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace TinyGpt.Interop;

/// <summary>
/// Walks the opcodes of a <c>torch.save</c> pickle without running it, as PyTorch's own
/// <c>weights_only</c> unpickler does, and refuses anything a state dict does not need. A pickle is a
/// program: <c>GLOBAL</c>/<c>STACK_GLOBAL</c> name a callable, <c>REDUCE</c> calls it, <c>INST</c>,
/// <c>OBJ</c> and <c>NEWOBJ</c> construct classes, <c>BUILD</c> sets an object's state. Only the
/// callables that rebuild tensors and ordered dictionaries may be named and called; every storage
/// must be an entry of the archive of exactly its size, and every tensor must lie inside its storage,
/// so that no size read from the file reaches an allocation unchecked.
/// </summary>
static class StateDictPickle
{
    const string RebuildTensor = "torch._utils._rebuild_tensor";
    const string RebuildTensorV2 = "torch._utils._rebuild_tensor_v2";
    const string RebuildParameter = "torch._utils._rebuild_parameter";
    const string OrderedDict = "collections.OrderedDict";

    static readonly HashSet<string> Callables = [RebuildTensor, RebuildTensorV2, RebuildParameter, OrderedDict];

    /// <summary>The storage classes a persistent id may name, with their element sizes.</summary>
    static readonly Dictionary<string, int> Storages = new()
    {
        ["torch.DoubleStorage"] = 8, ["torch.FloatStorage"] = 4, ["torch.HalfStorage"] = 2, ["torch.BFloat16Storage"] = 2,
        ["torch.LongStorage"] = 8, ["torch.IntStorage"] = 4, ["torch.ShortStorage"] = 2, ["torch.CharStorage"] = 1,
        ["torch.ByteStorage"] = 1, ["torch.BoolStorage"] = 1, ["torch.ComplexDoubleStorage"] = 16, ["torch.ComplexFloatStorage"] = 8,
    };

    const string NeverRuns = "TinyGpt never runs code from a file";

    abstract record Item;
    sealed record Text(string Value) : Item;
    sealed record Number(BigInteger Value) : Item;
    sealed record Global(string Name) : Item;
    sealed record Tuple(Item[] Items) : Item;
    sealed record Storage(string Key, BigInteger Elements) : Item;
    sealed record Built(string By) : Item;
    sealed record Data : Item { public static readonly Data Instance = new(); }

    /// <summary>Checks <paramref name="pickle"/>, the archive entry <paramref name="entry"/> of <paramref name="path"/>.</summary>
    /// <param name="path">The weights file, for messages.</param>
    /// <param name="entry">The pickle's name in the archive, for messages.</param>
    /// <param name="pickle">Its bytes.</param>
    /// <param name="storageLength">The byte length of the storage entry with a key, or null when there is none.</param>
    /// <exception cref="WeightFileException">The first opcode that breaks a rule.</exception>
    public static void Validate(string path, string entry, byte[] pickle, Func<string, long?> storageLength)
    {
        var stack = new List<Item>();
        var marks = new Stack<List<Item>>();
        var memo = new Dictionary<long, Item>();
        int position = 0;

        while (true)
        {
            if (position >= pickle.Length)
                throw Refuse(path, entry, position, "ends before its STOP opcode (the file is truncated)");
            int at = position;
            byte op = pickle[position++];
            string where = $"{entry}, byte {at}";

            ReadOnlySpan<byte> Take(long count)
            {
                if (count < 0 || count > pickle.Length - position)
                    throw Refuse(path, entry, at, $"opcode 0x{op:x2} reads {count} bytes past the end of the pickle");
                var span = pickle.AsSpan(position, (int)count);
                position += (int)count;
                return span;
            }
            string Line()
            {
                int end = Array.IndexOf(pickle, (byte)'\n', position);
                if (end < 0) throw Refuse(path, entry, at, $"opcode 0x{op:x2} has no end of line");
                var text = Encoding.UTF8.GetString(pickle, position, end - position);
                position = end + 1;
                return text;
            }
            Item Pop()
            {
                if (stack.Count == 0) throw Refuse(path, entry, at, $"opcode 0x{op:x2} takes more values than the pickle put on its stack");
                var item = stack[^1];
                stack.RemoveAt(stack.Count - 1);
                return item;
            }
            Item Peek() => stack.Count > 0 ? stack[^1] : throw Refuse(path, entry, at, $"opcode 0x{op:x2} finds its stack empty");
            List<Item> PopMark()
            {
                if (marks.Count == 0) throw Refuse(path, entry, at, $"opcode 0x{op:x2} has no MARK to take values from");
                var items = stack;
                stack = marks.Pop();
                return items;
            }
            void Push(Item item) => stack.Add(item);
            void Callable(string name)
            {
                if (!Callables.Contains(name) && !Storages.ContainsKey(name))
                    throw new WeightFileException(path, where,
                        $"names the callable {name}, which a weights file may not name (a state dict holds only tensors, dictionaries and plain values); {NeverRuns}");
                Push(new Global(name));
            }

            switch (op)
            {
                case 0x80: Take(1); break;                                              // PROTO
                case 0x95: Take(8); break;                                              // FRAME
                case (byte)'.':                                                         // STOP
                    if (stack.Count != 1 || marks.Count != 0)
                        throw Refuse(path, entry, at, "stops with other than one value on its stack");
                    return;
                case (byte)'(': marks.Push(stack); stack = []; break;                   // MARK
                case (byte)'0': Pop(); break;                                           // POP
                case (byte)'1': PopMark(); break;                                       // POP_MARK
                case (byte)'2': Push(Peek()); break;                                    // DUP

                case (byte)'N': case 0x88: case 0x89: Push(Data.Instance); break;        // NONE, NEWTRUE, NEWFALSE
                case (byte)'I': case (byte)'L':                                          // INT, LONG (text)
                    var digits = Line().TrimEnd('L');
                    Push(BigInteger.TryParse(digits, out var parsed) ? new Number(parsed) : Data.Instance);
                    break;
                case (byte)'J': Push(new Number(BinaryPrimitives.ReadInt32LittleEndian(Take(4)))); break;
                case (byte)'K': Push(new Number(Take(1)[0])); break;
                case (byte)'M': Push(new Number(BinaryPrimitives.ReadUInt16LittleEndian(Take(2)))); break;
                case 0x8a: Push(new Number(new BigInteger(Take(Take(1)[0]), isUnsigned: false))); break;            // LONG1
                case 0x8b: Push(new Number(new BigInteger(Take(BinaryPrimitives.ReadInt32LittleEndian(Take(4))), isUnsigned: false))); break;
                case (byte)'F': Line(); Push(Data.Instance); break;
                case (byte)'G': Take(8); Push(Data.Instance); break;

                case (byte)'S': Push(new Text(Line().Trim('\'', '"'))); break;           // STRING
                case (byte)'V': Push(new Text(Line())); break;                           // UNICODE
                case (byte)'T': Push(new Text(Latin1(Take(BinaryPrimitives.ReadInt32LittleEndian(Take(4)))))); break;
                case (byte)'U': Push(new Text(Latin1(Take(Take(1)[0])))); break;
                case (byte)'X': Push(new Text(Utf8(Take(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))))); break;
                case 0x8c: Push(new Text(Utf8(Take(Take(1)[0])))); break;               // SHORT_BINUNICODE
                case 0x8d: Push(new Text(Utf8(Take(Length8(Take(8)))))); break;         // BINUNICODE8
                case (byte)'B': Take(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); Push(Data.Instance); break;
                case (byte)'C': Take(Take(1)[0]); Push(Data.Instance); break;
                case 0x8e: case 0x96: Take(Length8(Take(8))); Push(Data.Instance); break; // BINBYTES8, BYTEARRAY8

                case (byte)'}': case (byte)']': case 0x8f: Push(Data.Instance); break;                // empty dict, list, set
                case (byte)')': Push(new Tuple([])); break;                             // EMPTY_TUPLE
                case (byte)'d': case (byte)'l': case 0x91: PopMark(); Push(Data.Instance); break;          // DICT, LIST, FROZENSET
                case (byte)'t': Push(new Tuple([.. PopMark()])); break;                 // TUPLE
                case 0x85: Push(new Tuple([Pop()])); break;                             // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); Push(new Tuple([a, b])); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new Tuple([a, b, c])); break; }
                case (byte)'a': Pop(); Peek(); break;                                   // APPEND
                case (byte)'e': case (byte)'u': case 0x90: PopMark(); Peek(); break;      // APPENDS, SETITEMS, ADDITEMS
                case (byte)'s': Pop(); Pop(); Peek(); break;                            // SETITEM

                case (byte)'p': memo[ParseMemo(Line())] = Peek(); break;                // PUT
                case (byte)'q': memo[Take(1)[0]] = Peek(); break;                       // BINPUT
                case (byte)'r': memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Peek(); break;
                case 0x94: memo[memo.Count] = Peek(); break;                            // MEMOIZE
                case (byte)'g': Push(Recall(ParseMemo(Line()))); break;                 // GET
                case (byte)'h': Push(Recall(Take(1)[0])); break;                        // BINGET
                case (byte)'j': Push(Recall(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break;

                case (byte)'c':                                                         // GLOBAL module\nname\n
                    { var module = Line(); Callable(module + "." + Line()); break; }
                case 0x93:                                                              // STACK_GLOBAL
                    {
                        var name = Pop();
                        var module = Pop();
                        if (module is not Text m || name is not Text n)
                            throw new WeightFileException(path, where, $"names a callable by values that are not strings (STACK_GLOBAL); {NeverRuns}");
                        Callable(m.Value + "." + n.Value);
                        break;
                    }
                case (byte)'R':                                                         // REDUCE: callable(*args)
                    {
                        var arguments = Pop();
                        var callable = Pop();
                        if (callable is not Global g || !Callables.Contains(g.Name))
                            throw new WeightFileException(path, where,
                                $"calls {Describe(callable)} (REDUCE), which a weights file may not call; {NeverRuns}");
                        if (g.Name is RebuildTensor or RebuildTensorV2)
                            CheckTensor(path, where, arguments);
                        Push(new Built(g.Name));
                        break;
                    }
                case (byte)'b':                                                         // BUILD: obj.__setstate__(state)
                    {
                        Pop();
                        if (Peek() is not Built)
                            throw new WeightFileException(path, where,
                                $"sets the state of {Describe(Peek())} (BUILD), which only tensors and ordered dictionaries may have; {NeverRuns}");
                        break;
                    }
                case (byte)'Q':                                                         // BINPERSID: a storage
                    Push(CheckStorage(path, where, Pop(), storageLength));
                    break;
                case (byte)'i':                                                         // INST module\nname\n
                    {
                        var module = Line();
                        throw new WeightFileException(path, where,
                            $"constructs an instance of {module}.{Line()} (INST), which a weights file may not do; {NeverRuns}");
                    }
                case (byte)'o': case 0x81: case 0x92:                                   // OBJ, NEWOBJ, NEWOBJ_EX
                    throw new WeightFileException(path, where,
                        $"constructs an object ({OpName(op)}), which a weights file may not do; {NeverRuns}");
                case (byte)'P':                                                         // PERSID (text)
                    throw Refuse(path, entry, at, "uses a text persistent id (PERSID), which torch.save never writes");
                case 0x82: case 0x83: case 0x84:                                        // EXT1, EXT2, EXT4
                    throw new WeightFileException(path, where,
                        $"names a callable through Python's extension registry ({OpName(op)}), which a weights file may not do; {NeverRuns}");
                case 0x97: case 0x98:                                                   // NEXT_BUFFER, READONLY_BUFFER
                    throw Refuse(path, entry, at, "refers to an out-of-band buffer, which torch.save never writes");
                default:
                    throw Refuse(path, entry, at, $"has opcode 0x{op:x2}, which is not a pickle opcode");
            }

            Item Recall(long key) =>
                memo.TryGetValue(key, out var item) ? item : throw Refuse(path, entry, at, $"recalls memo {key}, which was never stored");
        }
    }

    // ('storage', torch.XStorage, key, location, elements): the storage must be the entry data/<key> of exactly that size.
    static Storage CheckStorage(string path, string where, Item id, Func<string, long?> storageLength)
    {
        if (id is not Tuple { Items: [Text { Value: "storage" }, var type, Text key, Text, Number elements] })
            throw new WeightFileException(path, where, "has a persistent id that is not ('storage', type, key, location, size), the only kind torch.save writes");
        if (type is not Global g || !Storages.TryGetValue(g.Name, out var elementSize))
            throw new WeightFileException(path, where, $"gives storage {WeightFileException.Quote(key.Value)} the type {Describe(type)}, which is not a torch storage class");
        if (elements.Value < 0)
            throw new WeightFileException(path, where, $"gives storage {WeightFileException.Quote(key.Value)} a negative size ({elements.Value})");
        var length = storageLength(key.Value);
        if (length is null)
            throw new WeightFileException(path, where, $"refers to storage {WeightFileException.Quote(key.Value)}, which is not in the archive");
        if (elements.Value * elementSize != length.Value)
            throw new WeightFileException(path, where,
                $"gives storage {WeightFileException.Quote(key.Value)} {elements.Value} elements of {elementSize} bytes, but its entry holds {length} bytes");
        return new Storage(key.Value, elements.Value);
    }

    // _rebuild_tensor_v2(storage, offset, size, stride, ...): every element the view reaches must lie inside the storage.
    static void CheckTensor(string path, string where, Item arguments)
    {
        if (arguments is not Tuple { Items: [Storage storage, Number offset, Tuple size, Tuple stride, ..] })
            throw new WeightFileException(path, where, "rebuilds a tensor from arguments that are not (storage, offset, size, stride, ...)");
        var sizes = Numbers(size);
        var strides = Numbers(stride);
        if (sizes is null || strides is null || sizes.Length != strides.Length)
            throw new WeightFileException(path, where, $"rebuilds a tensor of storage {WeightFileException.Quote(storage.Key)} with sizes and strides that are not two lists of whole numbers of one length");
        if (sizes.Length > SafetensorsHeader.MaxRank)
            throw new WeightFileException(path, where, $"rebuilds a tensor of rank {sizes.Length}; TinyGpt reads tensors of rank 0 to {SafetensorsHeader.MaxRank}");
        if (offset.Value < 0 || sizes.Any(s => s < 0) || strides.Any(s => s < 0))
            throw new WeightFileException(path, where,
                $"rebuilds a tensor of storage {WeightFileException.Quote(storage.Key)} with a negative offset, size or stride (size [{string.Join(", ", sizes)}], offset {offset.Value})");
        if (sizes.Any(s => s == 0)) return;                                     // an empty tensor reads nothing
        var last = offset.Value + sizes.Zip(strides, (s, t) => (s - 1) * t).Aggregate(BigInteger.Zero, (a, b) => a + b);
        if (last >= storage.Elements)
            throw new WeightFileException(path, where,
                $"rebuilds a tensor of size [{string.Join(", ", sizes)}] from storage {WeightFileException.Quote(storage.Key)}, which holds only {storage.Elements} elements");
    }

    static BigInteger[]? Numbers(Tuple tuple) =>
        tuple.Items.All(i => i is Number) ? tuple.Items.Select(i => ((Number)i).Value).ToArray() : null;

    static string Describe(Item item) => item switch
    {
        Global g => g.Name,
        Text t => "the string " + WeightFileException.Quote(t.Value),
        Built b => "an object made by " + b.By,
        _ => "a plain value",
    };

    static string OpName(byte op) => op switch
    {
        (byte)'o' => "OBJ", 0x81 => "NEWOBJ", 0x92 => "NEWOBJ_EX", 0x82 => "EXT1", 0x83 => "EXT2", 0x84 => "EXT4", _ => $"0x{op:x2}",
    };

    static long ParseMemo(string text) => long.TryParse(text, out var key) ? key : -1;

    static long Length8(ReadOnlySpan<byte> bytes)
    {
        var value = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        return value > int.MaxValue ? -1 : (long)value;
    }

    static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    static WeightFileException Refuse(string path, string entry, int at, string rule) => new(path, $"{entry}, byte {at}", rule);
}
