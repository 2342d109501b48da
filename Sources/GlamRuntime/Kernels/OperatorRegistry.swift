/// Maps ONNX op types of the default domain to their kernels.
enum OperatorRegistry {
    /// The newest default-domain opset whose semantics the kernels follow.
    static let maxOpset = 21

    typealias Factory = (Node, Int) throws -> Operator

    static let factories: [String: Factory] = [
        "Add": { node, _ in BinaryArithmeticOperator(node: node, kind: .add) },
        "Sub": { node, _ in BinaryArithmeticOperator(node: node, kind: .subtract) },
        "Mul": { node, _ in BinaryArithmeticOperator(node: node, kind: .multiply) },
        "Div": { node, _ in BinaryArithmeticOperator(node: node, kind: .divide) },
        "Mod": { node, _ in try BinaryArithmeticOperator.mod(node: node) },
        "Max": { node, _ in BinaryArithmeticOperator(node: node, kind: .maximum) },
        "Min": { node, _ in BinaryArithmeticOperator(node: node, kind: .minimum) },
        "Pow": { node, _ in PowOperator(node: node) },
        "Equal": { node, _ in EqualOperator(node: node) },
        "Where": { node, _ in WhereOperator(node: node) },
        "Sqrt": { node, _ in UnaryMathOperator(node: node, kind: .sqrt) },
        "Erf": { node, _ in UnaryMathOperator(node: node, kind: .erf) },
        "Relu": { node, _ in UnaryMathOperator(node: node, kind: .relu) },
        "Sigmoid": { node, _ in UnaryMathOperator(node: node, kind: .sigmoid) },
        "Tanh": { node, _ in UnaryMathOperator(node: node, kind: .tanh) },
        "Neg": { node, _ in UnaryMathOperator(node: node, kind: .negate) },
        "Gelu": { node, _ in try UnaryMathOperator.gelu(node: node) },
        "Clip": { node, opset in ClipOperator(node: node, opset: opset) },
        "Cast": { node, _ in CastOperator(node: node) },
        "Constant": { node, _ in ConstantOperator(node: node) },
        "ConstantOfShape": { node, _ in ConstantOfShapeOperator(node: node) },
        "Shape": { node, _ in ShapeOperator(node: node) },
        "Identity": { node, opset in ReshapeOperator(node: node, kind: .identity, opset: opset) },
        "Reshape": { node, opset in ReshapeOperator(node: node, kind: .reshape, opset: opset) },
        "Flatten": { node, opset in ReshapeOperator(node: node, kind: .flatten, opset: opset) },
        "Squeeze": { node, opset in ReshapeOperator(node: node, kind: .squeeze, opset: opset) },
        "Unsqueeze": { node, opset in ReshapeOperator(node: node, kind: .unsqueeze, opset: opset) },
        "Transpose": { node, _ in TransposeOperator(node: node) },
        "Concat": { node, _ in ConcatOperator(node: node) },
        "Split": { node, opset in SplitOperator(node: node, opset: opset) },
        "Slice": { node, opset in SliceOperator(node: node, opset: opset) },
        "Gather": { node, _ in GatherOperator(node: node) },
        "Expand": { node, _ in ExpandOperator(node: node) },
        "MatMul": { node, _ in MatMulOperator(node: node) },
        "Gemm": { node, _ in GemmOperator(node: node) },
        "Conv": { node, _ in ConvOperator(node: node) },
        "Softmax": { node, opset in SoftmaxOperator(node: node, opset: opset) },
        "LayerNormalization": { node, _ in LayerNormalizationOperator(node: node) },
        "ReduceMean": { node, opset in ReduceOperator(node: node, kind: .mean, opset: opset) },
        "ReduceSum": { node, opset in ReduceOperator(node: node, kind: .sum, opset: opset) },
        "ReduceL2": { node, opset in ReduceOperator(node: node, kind: .l2, opset: opset) },
    ]

    /// Per op type, the inputs that must be known when the plan is built (shapes, axes, slice
    /// bounds): the kernels need them to compute output shapes.
    static let planTimeInputs: [String: [Int]] = [
        "Reshape": [1], "Expand": [1], "ConstantOfShape": [0], "Squeeze": [1], "Unsqueeze": [1],
        "Split": [1], "Slice": [1, 2, 3, 4], "ReduceMean": [1], "ReduceSum": [1], "ReduceL2": [1],
    ]

    /// The op types libglam implements, sorted.
    static var supportedOpTypes: [String] { factories.keys.sorted() }

    static func isDefaultDomain(_ domain: String) -> Bool {
        domain.isEmpty || domain == "ai.onnx"
    }

    /// Why `node` cannot run under `opset`, or nil when it can.
    static func unsupportedReason(_ node: Node, opset: Int?) -> String? {
        guard isDefaultDomain(node.domain) else {
            return "domain '\(node.domain)' is not supported"
        }
        guard let opset else {
            return "the model does not import an opset for domain '\(node.domain)'"
        }
        guard factories[node.opType] != nil else {
            return "operator is not implemented"
        }
        guard opset <= maxOpset else {
            return "opset \(opset) is newer than \(maxOpset), the newest libglam implements"
        }
        for (name, attribute) in node.attributes {
            if case .unsupported(let code) = attribute {
                return "attribute '\(name)' has type \(code), which libglam does not support"
            }
        }
        return nil
    }

    static func make(_ node: Node, opset: Int) throws -> Operator {
        guard let factory = factories[node.opType] else {
            throw GlamError.unsupported("\(node.label): operator \(node.opType) is not implemented")
        }
        return try factory(node, opset)
    }
}

/// A node that libglam cannot run, as reported at load time.
public struct UnsupportedOperator: Sendable, CustomStringConvertible {
    public var opType: String
    public var domain: String
    public var opset: Int?
    public var nodeName: String
    public var reason: String

    public var description: String {
        let domainName = domain.isEmpty ? "ai.onnx" : domain
        let version = opset.map(String.init) ?? "none"
        return "\(opType) (domain \(domainName), opset \(version)) at node '\(nodeName)': \(reason)"
    }
}

extension Model {
    /// Graph inputs that feed a plan-time input of some node (a Reshape shape, Slice bounds,
    /// reduction axes); a plan needs their values, not just their shapes, when it is built.
    public var planTimeInputNames: [String] {
        let runtime = Set(graph.runtimeInputs.map(\.name))
        var names: Set<String> = []
        for node in graph.nodes {
            for index in OperatorRegistry.planTimeInputs[node.opType] ?? [] where index < node.inputs.count {
                if runtime.contains(node.inputs[index]) {
                    names.insert(node.inputs[index])
                }
            }
        }
        return names.sorted()
    }

    /// Every node that libglam cannot run, in graph order.
    public var unsupportedOperators: [UnsupportedOperator] {
        graph.nodes.compactMap { node in
            let opset = opsetVersion(for: node.domain)
            guard let reason = OperatorRegistry.unsupportedReason(node, opset: opset) else {
                return nil
            }
            return UnsupportedOperator(opType: node.opType, domain: node.domain, opset: opset,
                                       nodeName: node.name, reason: reason)
        }
    }
}
