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
                    blockStart.RegisterOperationAction(invocation =>
                    {
                        if (torch.IsTorch(((IInvocationOperation)invocation.Operation).TargetMethod))
                            block.CallsTorch = true;
                    }, OperationKind.Invocation);
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

    private sealed class Block(ISymbol owner)
    {
        public ISymbol Owner { get; } = owner;
        public bool CallsTorch { get; set; }
        public ImmutableArray<IOperation> Operations { get; set; } = [];
    }

    private void Analyze(INamedTypeSymbol type, Block[] blocks, TorchSymbols torch, Action<Diagnostic> report, CancellationToken cancellationToken)
    {
        try
        {
            if (!blocks.Any(b => b.CallsTorch))
                return;
            var fields = LearnFields(type, blocks, torch, cancellationToken);
            foreach (var block in blocks.Where(b => b.CallsTorch))
                foreach (var operation in block.Operations)
                    foreach (var problem in ShapeInterpreter.Run(operation, block.Owner, torch, fields, cancellationToken).Problems)
                        report(problem.ToDiagnostic());
        }
        catch (Exception exception) when (exception is not OperationCanceledException && !rethrow)
        {
            // The analyzer never fails a build; at worst a type goes unchecked.
        }
    }

    /// <summary>Runs the blocks that assign the type's fields and properties to learn what they hold.</summary>
    private static FieldValues LearnFields(INamedTypeSymbol type, Block[] blocks, TorchSymbols torch, CancellationToken cancellationToken)
    {
        var writes = new List<(ISymbol, AbstractValue?)>();
        var reshapedInPlace = false;
        foreach (var block in blocks)
        {
            foreach (var operation in block.Operations)
            {
                var descendants = operation.DescendantsAndSelf().ToList();
                var writesMembers = descendants.Any(op => op is IFieldInitializerOperation or IPropertyInitializerOperation
                    || op is IAssignmentOperation { Target: IMemberReferenceOperation });
                reshapedInPlace |= descendants.OfType<IInvocationOperation>().Any(i =>
                    torch.IsTorch(i.TargetMethod) && ShapeInterpreter.ReshapesInPlace(i.TargetMethod.Name));
                // A member passed by reference can be assigned anywhere.
                foreach (var argument in descendants.OfType<IArgumentOperation>())
                    if (argument.Parameter?.RefKind is RefKind.Ref or RefKind.Out && argument.Value is IMemberReferenceOperation member)
                        writes.Add((member.Member, null));
                if (!writesMembers)
                    continue;
                if (block.CallsTorch)
                {
                    var run = ShapeInterpreter.Run(operation, block.Owner, torch, fields: null, cancellationToken);
                    if (run.Abandoned)
                        writes.AddRange(MemberTargets(descendants).Select(m => (m, (AbstractValue?)null)));
                    else
                        writes.AddRange(run.MemberWrites);
                }
                else
                    writes.AddRange(MemberTargets(descendants).Select(m => (m, (AbstractValue?)null)));
            }
        }
        return new FieldValues(type, writes, reshapedInPlace);
    }

    private static IEnumerable<ISymbol> MemberTargets(IEnumerable<IOperation> operations) =>
        operations.SelectMany(op => op switch
        {
            IAssignmentOperation { Target: IMemberReferenceOperation member } => new[] { member.Member },
            IFieldInitializerOperation field => field.InitializedFields.Cast<ISymbol>(),
            IPropertyInitializerOperation property => property.InitializedProperties.Cast<ISymbol>(),
            _ => [],
        });
}
