import CKernels

/// Constant folding: a node whose inputs are all known when the plan is built, or whose
/// result follows from input shapes alone (Shape), runs once at build time and its outputs
/// become constants.
///
/// Unlike the passes in `PlanPasses` this one runs during shape binding, node by node, because
/// later shapes depend on folded values: a Reshape's target computed by Shape → Gather → Concat
/// must be known before the Reshape's output shape is.
public enum ConstantFolding {
    /// Returns true when the node can run at build time.
    static func canFold(_ kernel: Operator, inputsAreConstant: [Bool?]) -> Bool {
        kernel.dependsOnlyOnShapes || inputsAreConstant.allSatisfy { $0 ?? true }
    }

    /// Runs the kernel on the known operands and returns its outputs.
    ///
    /// `operands` contains nil for an omitted optional input. Shape-only kernels never read their
    /// input values, so a run-time input may be passed as an empty tensor of the right type.
    ///
    /// GEMMs run with OpenBLAS on the calling thread: a fold runs once, and sending it to oneDNN
    /// would make every model load pay for oneDNN's kernel generation and thread start-up.
    static func evaluate(_ kernel: Operator, outputTypes: [TensorType], operands: [Tensor?]) throws -> [Tensor] {
        let outputs = try outputTypes.map { try Tensor(dataType: $0.dataType, shape: $0.shape) }
        glam_set_thread_folding(1)
        defer { glam_set_thread_folding(0) }
        try kernel.run(operands, outputs)
        return outputs
    }
}

extension ConstantFolding {
    /// Returns `model` with every node whose inputs are all initializers (or outputs of such
    /// nodes) replaced by initializers holding its outputs.
    ///
    /// Such nodes compute the same values for every input shape, so a caller that builds many
    /// plans for one model (one per concurrent thread, or one per fuzz input) folds them once
    /// here instead of in every plan. Nodes that write a graph output, nodes of other domains
    /// and nodes whose operator libglam lacks stay, and the plan builder handles them as before.
    /// Nodes are visited in file order, which ONNX requires to be topological; a node listed
    /// before its producer is simply left for the plan builder.
    public static func foldConstantNodes(in model: Model) -> Model {
        var folded = model
        var constants = model.graph.initializers
        let graphOutputs = Set(model.graph.outputs.map(\.name))
        var remaining: [Node] = []

        for node in model.graph.nodes {
            guard let values = foldedOutputs(of: node, in: model, constants: constants, graphOutputs: graphOutputs) else {
                remaining.append(node)
                continue
            }
            for (name, value) in zip(node.outputs, values) where !name.isEmpty {
                constants[name] = value
            }
        }

        // Keep only the folded values that a remaining node or the graph still reads.
        let read = Set(remaining.flatMap(\.inputs)).union(graphOutputs)
        folded.graph.initializers = constants.filter { model.graph.initializers[$0.key] != nil || read.contains($0.key) }
        folded.graph.nodes = remaining
        return folded
    }

    /// Returns the outputs of `node` when it can run now on known constants, or nil.
    private static func foldedOutputs(of node: Node, in model: Model, constants: [String: Tensor],
                                      graphOutputs: Set<String>) -> [Tensor]? {
        let inputs = node.inputs.filter { !$0.isEmpty }
        guard node.domain.isEmpty || node.domain == "ai.onnx",
              inputs.allSatisfy({ constants[$0] != nil }),
              node.outputs.allSatisfy({ !graphOutputs.contains($0) }),
              let opset = model.opsetVersion(for: node.domain),
              let kernel = try? OperatorRegistry.make(node, opset: opset) else {
            return nil
        }

        let operands: [Tensor?] = node.inputs.map { $0.isEmpty ? nil : constants[$0] }
        let infos: [InputInfo?] = operands.map { value in value.map { InputInfo(type: TensorType($0.dataType, $0.shape), constant: $0) } }
        // A node that fails here fails again in the plan builder, which reports it with context.
        guard let prepared = try? kernel.prepare(infos), prepared.count >= node.outputs.count else {
            return nil
        }
        return try? evaluate(kernel, outputTypes: Array(prepared.prefix(node.outputs.count)), operands: operands)
    }
}
