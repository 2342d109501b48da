import CKernels

/// Constant folding: a node whose inputs are all known when the plan is built, or whose
/// result follows from input shapes alone (Shape), runs once at build time and its outputs
/// become constants.
///
/// Unlike the passes in `PlanPasses` this one runs during shape binding, node by node, because
/// later shapes depend on folded values: a Reshape's target computed by Shape → Gather → Concat
/// must be known before the Reshape's output shape is.
enum ConstantFolding {
    /// Returns true when the node can run at build time.
    static func canFold(_ kernel: Operator, inputsAreConstant: [Bool?]) -> Bool {
        kernel.dependsOnlyOnShapes || inputsAreConstant.allSatisfy { $0 ?? true }
    }

    /// Runs the kernel on the known operands and returns its outputs.
    ///
    /// `operands` holds nil for an omitted optional input. Shape-only kernels never read their
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
