/// Add, Sub, Mul, Div, Mod (opset 10+), Max and Min (variadic, opset 8+ broadcasting).
///
/// All broadcast multidirectionally (numpy rules) over inputs of one element type. Integer
/// division truncates toward zero; `Mod` follows the divisor's sign unless `fmod = 1`, which
/// floating-point inputs require.

/// A scalar function applied elementwise; a type so the loops specialise without closures.
protocol BinaryFunction {
    static func apply<Element: NumericElement>(_ a: Element, _ b: Element) -> Element
}

enum AddFunction: BinaryFunction {
    @inline(__always) static func apply<Element: NumericElement>(_ a: Element, _ b: Element) -> Element { .add(a, b) }
}

enum SubtractFunction: BinaryFunction {
    @inline(__always) static func apply<Element: NumericElement>(_ a: Element, _ b: Element) -> Element { .subtract(a, b) }
}

enum MultiplyFunction: BinaryFunction {
    @inline(__always) static func apply<Element: NumericElement>(_ a: Element, _ b: Element) -> Element { .multiply(a, b) }
}

enum DivideFunction: BinaryFunction {
    @inline(__always) static func apply<Element: NumericElement>(_ a: Element, _ b: Element) -> Element { .divide(a, b) }
}

enum TruncatedModFunction: BinaryFunction {
    static func apply<Element: NumericElement>(_ a: Element, _ b: Element) -> Element { .remainder(a, b, truncated: true) }
}

enum FlooredModFunction: BinaryFunction {
    static func apply<Element: NumericElement>(_ a: Element, _ b: Element) -> Element { .remainder(a, b, truncated: false) }
}

enum MaximumFunction: BinaryFunction {
    @inline(__always) static func apply<Element: NumericElement>(_ a: Element, _ b: Element) -> Element { .maximum(a, b) }
}

enum MinimumFunction: BinaryFunction {
    @inline(__always) static func apply<Element: NumericElement>(_ a: Element, _ b: Element) -> Element { .minimum(a, b) }
}

/// Computes `output = function(a, b)` with broadcasting; `output` may alias `a` when shapes match.
enum BinaryLoop {
    static func run<Element: NumericElement, Function: BinaryFunction>(
        _ type: Element.Type, _ function: Function.Type, a: Tensor, b: Tensor, output: Tensor,
        layout: BroadcastLayout? = nil
    ) {
        let layout = layout ?? BroadcastLayout(outputShape: output.shape, operandShapes: [a.shape, b.shape])
        let lhs = a.pointer(as: Element.self)
        let rhs = b.pointer(as: Element.self)
        let result = output.pointer(as: Element.self)
        let length = layout.rowLength
        let inner = layout.innerStrides
        let strideA = inner[0]
        let strideB = inner[1]

        layout.forEachRow { outputOffset, offsets in
            let x = lhs + offsets[0]
            let y = rhs + offsets[1]
            let z = result + outputOffset
            if strideA == 1 && strideB == 1 {
                for index in 0..<length { z[index] = Function.apply(x[index], y[index]) }
            } else if strideA == 1 && strideB == 0 {
                let scalar = y[0]
                for index in 0..<length { z[index] = Function.apply(x[index], scalar) }
            } else if strideA == 0 && strideB == 1 {
                let scalar = x[0]
                for index in 0..<length { z[index] = Function.apply(scalar, y[index]) }
            } else {
                for index in 0..<length { z[index] = Function.apply(x[index * strideA], y[index * strideB]) }
            }
        }
    }
}

final class BinaryArithmeticOperator: Operator {
    enum Kind {
        case add, subtract, multiply, divide, truncatedMod, flooredMod, maximum, minimum
    }

    private let node: Node
    private let kind: Kind
    private var dataType = DataType.float
    /// Per pairwise application, the iteration order computed once for the bound shapes.
    private var layouts: [BroadcastLayout] = []

    init(node: Node, kind: Kind) {
        self.node = node
        self.kind = kind
    }

    /// `Mod`, whose kind depends on the `fmod` attribute.
    static func mod(node: Node) throws -> BinaryArithmeticOperator {
        let truncated = try AttributeReader(node: node).int("fmod", default: 0) != 0
        return BinaryArithmeticOperator(node: node, kind: truncated ? .truncatedMod : .flooredMod)
    }

    func prepare(_ inputs: [InputInfo?]) throws -> [TensorType] {
        let present = inputs.compactMap { $0 }
        let variadic = kind == .maximum || kind == .minimum
        guard variadic ? !present.isEmpty : (present.count == 2 && inputs.count == 2) else {
            throw GlamError.invalidModel("\(node.label) has \(present.count) inputs; expected \(variadic ? "at least 1" : "2")")
        }
        dataType = present[0].type.dataType
        for input in present where input.type.dataType != dataType {
            throw GlamError.invalidModel("\(node.label): inputs mix \(dataType) and \(input.type.dataType)")
        }
        if kind == .flooredMod && dataType.isFloatingPoint {
            throw GlamError.invalidModel("\(node.label): Mod on \(dataType) requires fmod = 1")
        }
        _ = try ElementDispatch.numeric(dataType, TypeCheck(), context: node.label)
        let shape = try Shape.broadcast(present.map(\.type.shape), context: node.label)
        layouts = present.count < 2 ? [] : [BroadcastLayout(outputShape: shape, operandShapes: [present[0].type.shape, present[1].type.shape])]
        for operand in present.dropFirst(2) {
            layouts.append(BroadcastLayout(outputShape: shape, operandShapes: [shape, operand.type.shape]))
        }
        return [TensorType(dataType, shape)]
    }

    func run(_ inputs: [Tensor?], _ outputs: [Tensor]) throws {
        // Variadic Max and Min may leave optional inputs out. Gathering the present ones costs an
        // allocation per run, so the common case of two present inputs reads them in place.
        let output = outputs[0]
        if inputs.count == 2, let first = inputs[0], let second = inputs[1] {
            try ElementDispatch.numeric(dataType, Visitor(kind: kind, a: first, b: second, output: output,
                                                          layout: layouts.first),
                                        context: node.label)
            return
        }
        let operands = inputs.compactMap { $0 }
        if operands.count == 1 {
            try BroadcastCopy.run(operands[0], into: output)
            return
        }
        // The layouts were computed for the shapes `prepare` saw; a plan only runs those.
        let bound = layouts.count == operands.count - 1
        try ElementDispatch.numeric(dataType, Visitor(kind: kind, a: operands[0], b: operands[1], output: output,
                                                      layout: bound ? layouts[0] : nil),
                                    context: node.label)
        for (position, operand) in operands.dropFirst(2).enumerated() {
            try ElementDispatch.numeric(dataType, Visitor(kind: kind, a: output, b: operand, output: output,
                                                          layout: bound ? layouts[position + 1] : nil),
                                        context: node.label)
        }
    }

    private struct TypeCheck: NumericVisitor {
        func visit<Element: NumericElement>(_ type: Element.Type) throws {}
    }

    private struct Visitor: NumericVisitor {
        let kind: Kind
        let a: Tensor
        let b: Tensor
        let output: Tensor
        let layout: BroadcastLayout?

        func visit<Element: NumericElement>(_ type: Element.Type) throws {
            switch kind {
            case .add: BinaryLoop.run(type, AddFunction.self, a: a, b: b, output: output, layout: layout)
            case .subtract: BinaryLoop.run(type, SubtractFunction.self, a: a, b: b, output: output, layout: layout)
            case .multiply: BinaryLoop.run(type, MultiplyFunction.self, a: a, b: b, output: output, layout: layout)
            case .divide: BinaryLoop.run(type, DivideFunction.self, a: a, b: b, output: output, layout: layout)
            case .truncatedMod: BinaryLoop.run(type, TruncatedModFunction.self, a: a, b: b, output: output, layout: layout)
            case .flooredMod: BinaryLoop.run(type, FlooredModFunction.self, a: a, b: b, output: output, layout: layout)
            case .maximum: BinaryLoop.run(type, MaximumFunction.self, a: a, b: b, output: output, layout: layout)
            case .minimum: BinaryLoop.run(type, MinimumFunction.self, a: a, b: b, output: output, layout: layout)
            }
        }
    }
}
