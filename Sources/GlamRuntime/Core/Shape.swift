/// Shape arithmetic shared by the kernels and the planner; every product is overflow-checked.
enum Shape {
    /// The largest element count any tensor may declare (2^40), far above a real model's needs
    /// and low enough that byte sizes of 8-byte elements cannot overflow.
    static let maxElementCount = 1 << 40

    /// Returns the number of elements, or throws when a dimension is negative or the product
    /// exceeds `maxElementCount`.
    static func elementCount(_ shape: [Int], context: @autoclosure () -> String = "tensor") throws -> Int {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else {
                throw GlamError.invalidModel("\(context()) has negative dimension \(dimension) in shape \(shape)")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= maxElementCount else {
                throw GlamError(.outOfMemory, "\(context()) shape \(shape) has more than 2^40 elements")
            }
            count = product
        }
        return count
    }

    /// Row-major strides in elements.
    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running &*= shape[axis]
        }
        return strides
    }

    /// Resolves a possibly negative axis against `rank`, as ONNX defines it.
    static func normalizeAxis(_ axis: Int, rank: Int, context: @autoclosure () -> String) throws -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        guard resolved >= 0, resolved < rank else {
            throw GlamError.invalidModel("\(context()): axis \(axis) is out of range for rank \(rank)")
        }
        return resolved
    }

    /// The multidirectional (numpy) broadcast of several shapes.
    static func broadcast(_ shapes: [[Int]], context: @autoclosure () -> String) throws -> [Int] {
        let rank = shapes.map(\.count).max() ?? 0
        var result = [Int](repeating: 1, count: rank)
        for shape in shapes {
            let offset = rank - shape.count
            for (axis, dimension) in shape.enumerated() {
                let current = result[offset + axis]
                if current == dimension || dimension == 1 {
                    continue
                }
                guard current == 1 else {
                    throw GlamError.invalidModel("\(context()): shapes \(shapes) cannot be broadcast together")
                }
                result[offset + axis] = dimension
            }
        }
        return result
    }

    /// Strides of `shape` seen through the broadcast `target`: zero on broadcast axes.
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(shape)
        let offset = target.count - shape.count
        var result = [Int](repeating: 0, count: target.count)
        for axis in 0..<shape.count where shape[axis] != 1 {
            result[offset + axis] = own[axis]
        }
        return result
    }
}
