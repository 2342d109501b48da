/// Byte-level copies shared by the data-movement kernels, which never look at element values.

/// Runs a body specialised for an unsigned integer type of the element's size.
protocol SizedVisitor {
    associatedtype Result
    func visit<Word: FixedWidthInteger & UnsignedInteger>(_ type: Word.Type) throws -> Result
}

enum SizedDispatch {
    static func run<Visitor: SizedVisitor>(_ dataType: DataType, _ visitor: Visitor) throws -> Visitor.Result {
        switch dataType.byteSize {
        case 1?: return try visitor.visit(UInt8.self)
        case 2?: return try visitor.visit(UInt16.self)
        case 4?: return try visitor.visit(UInt32.self)
        case 8?: return try visitor.visit(UInt64.self)
        default: throw GlamError.unsupported("data type \(dataType) is not supported")
        }
    }
}

/// Copies `source` into `output`, broadcasting it to the output's shape (Expand, single-input Max).
enum BroadcastCopy {
    /// `layout`, when given, must be the layout of `source.shape` broadcast to `output.shape`;
    /// operators compute it in `prepare` so that a run allocates nothing.
    static func run(_ source: Tensor, into output: Tensor, layout: BroadcastLayout? = nil) throws {
        try SizedDispatch.run(source.dataType, Visitor(source: source, output: output, layout: layout))
    }

    private struct Visitor: SizedVisitor {
        let source: Tensor
        let output: Tensor
        let layout: BroadcastLayout?

        func visit<Word: FixedWidthInteger & UnsignedInteger>(_ type: Word.Type) throws {
            let layout = self.layout ?? BroadcastLayout(outputShape: output.shape, operandShapes: [source.shape])
            let input = source.pointer(as: Word.self)
            let result = output.pointer(as: Word.self)
            let length = layout.rowLength
            let stride = layout.innerStrides[0]
            layout.forEachRow { outputOffset, offsets in
                let x = input + offsets[0]
                let z = result + outputOffset
                if stride == 0 {
                    z.update(repeating: x[0], count: length)
                } else {
                    for index in 0..<length { z[index] = x[index * stride] }
                }
            }
        }
    }
}
