using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace TinyGpt.Interop;

/// <summary>
/// A small writer of ONNX graphs: adds nodes, weights and constants to a <see cref="GraphProto"/> and names
/// every intermediate value uniquely, so the model's components (<see cref="GptOnnxGraph"/>) read like its
/// forward pass: one call per operator, returning the name of its output.
/// </summary>
internal sealed class OnnxGraph
{
    /// <summary>The ONNX operator set the graphs use: 17 brings <c>LayerNormalization</c>.</summary>
    public const int Opset = 17;

    /// <summary>The IR version that opset 17 belongs to.</summary>
    public const long IrVersion = 8;

    private readonly Dictionary<string, int> _counts = [];
    private readonly Dictionary<string, string> _constants = [];

    /// <summary>The graph being written.</summary>
    public GraphProto Graph { get; }

    /// <summary>An empty graph named <paramref name="name"/>.</summary>
    public OnnxGraph(string name) => Graph = new GraphProto { Name = name };

    /// <summary>
    /// Adds one <paramref name="op"/> node reading <paramref name="inputs"/> (an empty string skips an optional
    /// input) and returns the name of its output, which starts with <paramref name="hint"/>.
    /// </summary>
    public string Op(string op, string hint, IEnumerable<string> inputs, params AttributeProto[] attributes) =>
        Op(op, hint, 1, inputs, attributes)[0];

    /// <summary>Adds one node with <paramref name="outputs"/> outputs and returns their names.</summary>
    public string[] Op(string op, string hint, int outputs, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var name = Unique(hint);
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        var names = Enumerable.Range(0, outputs).Select(i => outputs == 1 ? name : $"{name}.{i}").ToArray();
        node.Output.AddRange(names);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return names;
    }

    /// <summary>Declares a graph input of <paramref name="type"/> with dimensions given by size or by symbolic name.</summary>
    public string Input(string name, DataType type, params object[] dims)
    {
        Graph.Input.Add(ValueInfo(name, type, dims));
        return name;
    }

    /// <summary>Names <paramref name="value"/> as the graph output <paramref name="name"/> (through an Identity when the names differ).</summary>
    public void Output(string value, string name, DataType type, params object[] dims)
    {
        if (value != name)
            Graph.Node.Add(new NodeProto { OpType = "Identity", Name = name + ".identity", Input = { value }, Output = { name } });
        Graph.Output.Add(ValueInfo(name, type, dims));
    }

    /// <summary>A float32 weight <paramref name="dims"/> stored in the file under <paramref name="name"/>.</summary>
    public string Weight(string name, float[] values, params long[] dims)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("ONNX stores raw tensor data little-endian; this machine is big-endian.");
        var tensor = new TensorProto { Name = name, DataType = (int)DataType.Float, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        Graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>An int64 constant: a 1-D tensor of <paramref name="values"/> (shared by every use of the same values).</summary>
    public string Int64s(params long[] values) => Constant(
        "i64[" + string.Join(",", values) + "]",
        () => Tensor(DataType.Int64, [values.Length], t => t.Int64Data.AddRange(values)));

    /// <summary>An int64 scalar constant.</summary>
    public string Int64Scalar(long value) => Constant(
        "i64:" + value,
        () => Tensor(DataType.Int64, [], t => t.Int64Data.Add(value)));

    /// <summary>A float32 scalar constant.</summary>
    public string Scalar(float value) => Constant(
        "f32:" + value.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        () => Tensor(DataType.Float, [], t => t.FloatData.Add(value)));

    /// <summary>A float32 constant of <paramref name="count"/> zeros.</summary>
    public string Zeros(string name, int count) => Constant(
        name + count,
        () => Tensor(DataType.Float, [count], t => t.FloatData.AddRange(new float[count])));

    /// <summary>A float32 constant of <paramref name="count"/> ones.</summary>
    public string Ones(string name, int count) => Constant(
        name + count,
        () => Tensor(DataType.Float, [count], t => t.FloatData.AddRange(Enumerable.Repeat(1f, count))));

    /// <summary>A bool constant of shape <paramref name="dims"/>.</summary>
    public string Bools(string name, bool[] values, params long[] dims) => Constant(
        name,
        () => Tensor(DataType.Bool, dims, t => t.Int32Data.AddRange(values.Select(v => v ? 1 : 0))));

    /// <summary>An integer attribute.</summary>
    public static AttributeProto Attr(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A float attribute.</summary>
    public static AttributeProto Attr(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>An integer-list attribute.</summary>
    public static AttributeProto Attr(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>The model around the graph: opset, producer and <paramref name="metadata"/> (read back by ONNX Runtime's <c>CustomMetadataMap</c>).</summary>
    public ModelProto ToModel(string docString, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "TinyGpt",
            ProducerVersion = typeof(OnnxGraph).Assembly.GetName().Version?.ToString(3) ?? "",
            DocString = docString,
            Graph = Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        model.MetadataProps.AddRange(metadata.Select(kv => new StringStringEntryProto { Key = kv.Key, Value = kv.Value }));
        return model;
    }

    private string Constant(string key, Func<TensorProto> create)
    {
        if (_constants.TryGetValue(key, out var existing))
            return existing;
        var tensor = create();
        tensor.Name = Unique("const");
        Graph.Initializer.Add(tensor);
        _constants[key] = tensor.Name;
        return tensor.Name;
    }

    private static TensorProto Tensor(DataType type, long[] dims, Action<TensorProto> fill)
    {
        var tensor = new TensorProto { DataType = (int)type };
        tensor.Dims.AddRange(dims);
        fill(tensor);
        return tensor;
    }

    private string Unique(string hint)
    {
        _counts.TryGetValue(hint, out var n);
        _counts[hint] = n + 1;
        return n == 0 ? hint : $"{hint}_{n}";
    }

    private static ValueInfoProto ValueInfo(string name, DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
            shape.Dim.Add(dim switch
            {
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                int size => new TensorShapeProto.Types.Dimension { DimValue = size },
                long size => new TensorShapeProto.Types.Dimension { DimValue = size },
                _ => throw new ArgumentException($"a dimension is a size or a symbolic name; got {dim}", nameof(dims)),
            });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
