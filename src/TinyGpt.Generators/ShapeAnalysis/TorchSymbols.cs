using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace TinyGpt.Generators.ShapeAnalysis;

/// <summary>The TorchSharp and TinyGpt types the analyzer recognizes, resolved once per compilation.</summary>
internal sealed class TorchSymbols
{
    private TorchSymbols(IAssemblySymbol torchSharp, INamedTypeSymbol tensor, INamedTypeSymbol? scalarType, INamedTypeSymbol? gptAttribute)
    {
        TorchSharp = torchSharp;
        Tensor = tensor;
        ScalarType = scalarType;
        GptAttribute = gptAttribute;
    }

    public IAssemblySymbol TorchSharp { get; }

    public INamedTypeSymbol Tensor { get; }

    public INamedTypeSymbol? ScalarType { get; }

    public INamedTypeSymbol? GptAttribute { get; }

    /// <summary>Null when the compilation does not reference TorchSharp: then there is nothing to analyze.</summary>
    public static TorchSymbols? From(Compilation compilation)
    {
        var tensor = compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor");
        if (tensor is null)
            return null;
        return new TorchSymbols(
            tensor.ContainingAssembly,
            tensor,
            compilation.GetTypeByMetadataName("TorchSharp.torch+ScalarType"),
            compilation.GetTypeByMetadataName(GptGenerator.AttributeMetadataName));
    }

    public bool IsTorch(ISymbol symbol) => SymbolEqualityComparer.Default.Equals(symbol.ContainingAssembly, TorchSharp);

    public bool IsTensor(ITypeSymbol? type) => SymbolEqualityComparer.Default.Equals(type, Tensor);

    public bool IsScalarType(ITypeSymbol type) => SymbolEqualityComparer.Default.Equals(type, ScalarType);

    /// <summary>A generated [Gpt] model: its BlockSize and VocabSize constants (the generator writes them only for a valid declaration).</summary>
    public ModuleValue? GptModel(INamedTypeSymbol type)
    {
        if (GptAttribute is null || !type.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, GptAttribute)))
            return null;
        var blockSize = Constant(type, "BlockSize");
        var vocabSize = Constant(type, "VocabSize");
        if (blockSize is null || vocabSize is null)
            return null;
        return new ModuleValue(ModuleKind.Gpt, ImmutableArray.Create(Dim.Of(blockSize.Value), Dim.Of(vocabSize.Value)), type.Name);
    }

    private static long? Constant(INamedTypeSymbol type, string name) =>
        type.GetMembers(name).OfType<IFieldSymbol>().FirstOrDefault(f => f.HasConstantValue)?.ConstantValue is int value ? value : null;
}
