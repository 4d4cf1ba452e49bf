using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace TinyGpt.Generators.ShapeAnalysis;

/// <summary>
/// Follows tensor shapes through TorchSharp code and warns (TGPT101–112) where a call is certain to fail
/// at run time: a matmul whose inner dimensions differ, a view to another number of elements, a mask
/// that does not broadcast, a Linear fed the wrong width, and so on. It runs only in compilations that
/// reference TorchSharp, and only on code blocks that call TorchSharp; whatever it cannot prove wrong it
/// leaves alone.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ShapeAnalyzer : DiagnosticAnalyzer
{
    private readonly bool rethrow;

    /// <summary>The analyzer as compilers load it: an internal failure drops that method's warnings, never the build.</summary>
    public ShapeAnalyzer() : this(rethrow: false) { }

    /// <summary>For tests: let internal failures surface (as AD0001) instead of being swallowed.</summary>
    internal ShapeAnalyzer(bool rethrow) => this.rethrow = rethrow;

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
    [
        DiagnosticDescriptors.ShapeMatmul,
        DiagnosticDescriptors.ShapeViewSize,
        DiagnosticDescriptors.ShapeBroadcast,
        DiagnosticDescriptors.ShapeMaskedFill,
        DiagnosticDescriptors.ShapeDimOutOfRange,
        DiagnosticDescriptors.ShapeLinear,
        DiagnosticDescriptors.ShapeEmbedding,
        DiagnosticDescriptors.ShapeLayerNorm,
        DiagnosticDescriptors.ShapeConcatenation,
        DiagnosticDescriptors.ShapeCrossEntropy,
        DiagnosticDescriptors.ShapeNarrow,
        DiagnosticDescriptors.ShapeGptInput,
    ];

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var torch = TorchSymbols.From(start.Compilation);
            if (torch is null)
                return;
            // Per type, so that what its constructors put in its fields is known to its methods.
            start.RegisterSymbolStartAction(symbolStart =>
            {
                var type = (INamedTypeSymbol)symbolStart.Symbol;
                var blocks = new ConcurrentQueue<Block>();
                symbolStart.RegisterOperationBlockStartAction(blockStart =>
                {
                    var block = new Block(blockStart.OwningSymbol);
                    blockStart.RegisterOperationAction(operation =>
                    {
                        var method = ((IInvocationOperation)operation.Operation).TargetMethod;
                        if (!torch.IsTorch(method))
                            return;
                        block.CallsTorch = true;
                        block.HasShapeSource |= ShapeSources.Contains(method.Name);
                        block.ReshapesInPlace |= ShapeInterpreter.ReshapesInPlace(method.Name);
                    }, OperationKind.Invocation);
                    blockStart.RegisterOperationAction(operation =>
                    {
                        if (operation.Operation.Type is INamedTypeSymbol created && torch.GptModel(created) is not null)
                            block.HasShapeSource = true;
                    }, OperationKind.ObjectCreation);
                    blockStart.RegisterOperationAction(operation =>
                    {
                        var reference = (IMemberReferenceOperation)operation.Operation;
                        if (!SymbolEqualityComparer.Default.Equals(reference.Member.ContainingType, type))
                            return;
                        block.ReadMembers.Add(reference.Member.OriginalDefinition);
                        switch (reference.Parent)
                        {
                            case ISimpleAssignmentOperation assignment when assignment.Target == reference:
                                block.AssignedMembers.Add(reference.Member.OriginalDefinition);
                                break;
                            case IAssignmentOperation assignment when assignment.Target == reference:
                            case IIncrementOrDecrementOperation:
                            case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out }:
                            case ITupleOperation:
                                block.UnknownWrites.Add(reference.Member.OriginalDefinition);
                                break;
                        }
                    }, OperationKind.FieldReference, OperationKind.PropertyReference);
                    blockStart.RegisterOperationAction(operation =>
                    {
                        foreach (var member in operation.Operation switch
                        {
                            IFieldInitializerOperation field => field.InitializedFields.Cast<ISymbol>(),
                            IPropertyInitializerOperation property => property.InitializedProperties,
                            _ => [],
                        })
                            block.AssignedMembers.Add(member.OriginalDefinition);
                    }, OperationKind.FieldInitializer, OperationKind.PropertyInitializer);
                    blockStart.RegisterOperationBlockEndAction(end =>
                    {
                        block.Operations = end.OperationBlocks;
                        blocks.Enqueue(block);
                    });
                });
                symbolStart.RegisterSymbolEndAction(end =>
                    Analyze(type, [.. blocks], torch, end.ReportDiagnostic, end.CancellationToken));
            }, SymbolKind.NamedType);
        });
    }

    /// <summary>
    /// The calls that make shapes known (creations with sizes, view/reshape, modules with sizes): a block
    /// without one, and without a field whose shape or sizes are known, only passes along tensors of
    /// unknown shape, so running it could prove nothing.
    /// </summary>
    private static readonly HashSet<string> ShapeSources =
    [
        "zeros", "ones", "empty", "rand", "randn", "full", "randint", "arange", "tensor", "from_array", "eye",
        "view", "reshape", "Linear", "Embedding", "LayerNorm",
    ];

    /// <summary>What the operation callbacks saw in one code block (operation actions of a block run one at a time).</summary>
    private sealed class Block(ISymbol owner)
    {
        public ISymbol Owner { get; } = owner;
        public bool CallsTorch { get; set; }
        public bool HasShapeSource { get; set; }
        public bool ReshapesInPlace { get; set; }
        public HashSet<ISymbol> ReadMembers { get; } = new(SymbolEqualityComparer.Default);
        public HashSet<ISymbol> AssignedMembers { get; } = new(SymbolEqualityComparer.Default);
        public HashSet<ISymbol> UnknownWrites { get; } = new(SymbolEqualityComparer.Default);
        public ImmutableArray<IOperation> Operations { get; set; } = [];
    }

    private void Analyze(INamedTypeSymbol type, Block[] blocks, TorchSymbols torch, Action<Diagnostic> report, CancellationToken cancellationToken)
    {
        try
        {
            if (!blocks.Any(b => b.CallsTorch))
                return;
            var fields = LearnFields(type, blocks, torch, cancellationToken);
            foreach (var block in blocks)
            {
                if (!block.CallsTorch || !(block.HasShapeSource || block.ReadMembers.Any(fields.IsKnown)))
                    continue;
                foreach (var operation in block.Operations)
                    foreach (var problem in ShapeInterpreter.Run(operation, block.Owner, torch, fields, cancellationToken).Problems)
                        report(problem.ToDiagnostic());
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException && !rethrow)
        {
            // The analyzer never fails a build; at worst a type goes unchecked.
        }
    }

    /// <summary>Runs the blocks that assign the type's fields and properties from known sizes, to learn what they hold.</summary>
    private static FieldValues LearnFields(INamedTypeSymbol type, Block[] blocks, TorchSymbols torch, CancellationToken cancellationToken)
    {
        var writes = new List<(ISymbol, AbstractValue?)>();
        foreach (var block in blocks)
        {
            writes.AddRange(block.UnknownWrites.Select(m => (m, (AbstractValue?)null)));
            if (block.AssignedMembers.Count == 0)
                continue;
            var learned = false;
            if (block.CallsTorch && block.HasShapeSource)
            {
                learned = true;
                foreach (var operation in block.Operations)
                {
                    var run = ShapeInterpreter.Run(operation, block.Owner, torch, fields: null, cancellationToken);
                    learned &= !run.Abandoned;
                    writes.AddRange(run.MemberWrites);
                }
            }
            if (!learned)
                writes.AddRange(block.AssignedMembers.Select(m => (m, (AbstractValue?)null)));
        }
        return new FieldValues(type, writes, blocks.Any(b => b.ReshapesInPlace));
    }
}
