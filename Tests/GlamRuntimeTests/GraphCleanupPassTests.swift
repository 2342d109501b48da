@testable import GlamRuntime
import XCTest

/// Constant folding, common-subexpression elimination and dead-step removal on small graphs
/// whose right answer is known by hand.
final class GraphCleanupPassTests: XCTestCase {
    private func floatInput(_ name: String, _ shape: [Int]) -> ValueInfo {
        ValueInfo(name: name, dataType: .float, shape: shape.map { .fixed($0) })
    }

    private func model(nodes: [Node], inputs: [ValueInfo], outputs: [String], initializers: [String: Tensor] = [:]) -> Model {
        let graph = Graph(name: "test", nodes: nodes, initializers: initializers, inputs: inputs,
                          outputs: outputs.map { ValueInfo(name: $0, dataType: nil, shape: nil) }, valueInfo: [])
        return Model(irVersion: 8, producerName: "test", producerVersion: "", opsetImports: ["": 17], metadata: [], graph: graph)
    }

    /// y = Relu(x) + Relu(x), with a Sigmoid branch that no output reads.
    private var duplicatedModel: Model {
        model(nodes: [
            Node(name: "first", opType: "Relu", inputs: ["x"], outputs: ["a"]),
            Node(name: "second", opType: "Relu", inputs: ["x"], outputs: ["b"]),
            Node(name: "unused", opType: "Sigmoid", inputs: ["x"], outputs: ["dead"]),
            Node(name: "sum", opType: "Add", inputs: ["a", "b"], outputs: ["y"]),
        ], inputs: [floatInput("x", [2, 3])], outputs: ["y"])
    }

    private let xValues: [Float] = [-2, -1, 0, 1, 2, 3]

    func testDuplicateStepIsMerged() throws {
        let plan = try Plan(model: duplicatedModel)

        XCTAssertEqual(plan.stepKinds, ["Relu", "Add"])
        let y = try XCTUnwrap(plan.run(["x": Tensor(shape: [2, 3], values: xValues)])["y"])
        XCTAssertEqual(Array(UnsafeBufferPointer(start: y.pointer(as: Float.self), count: y.count)), [0, 0, 0, 2, 4, 6])
    }

    func testUnoptimizedPlanKeepsEveryStep() throws {
        let plan = try Plan(model: duplicatedModel, binding: InputBinding(), options: PlanOptions(optimize: false))

        XCTAssertEqual(plan.stepKinds, ["Relu", "Relu", "Sigmoid", "Add"])
    }

    func testDuplicateWritingGraphOutputStays() throws {
        let graphOutputs = model(nodes: [
            Node(name: "first", opType: "Relu", inputs: ["x"], outputs: ["a"]),
            Node(name: "second", opType: "Relu", inputs: ["x"], outputs: ["b"]),
        ], inputs: [floatInput("x", [2, 3])], outputs: ["a", "b"])

        let plan = try Plan(model: graphOutputs)
        let results = try plan.run(["x": Tensor(shape: [2, 3], values: xValues)])

        XCTAssertEqual(plan.stepKinds, ["Relu", "Relu"])
        for name in ["a", "b"] {
            let value = try XCTUnwrap(results[name])
            XCTAssertEqual(Array(UnsafeBufferPointer(start: value.pointer(as: Float.self), count: value.count)), [0, 0, 0, 1, 2, 3])
        }
    }

    func testDifferentAttributesAreNotMerged() throws {
        let softmaxes = model(nodes: [
            Node(name: "rows", opType: "Softmax", inputs: ["x"], outputs: ["a"], attributes: ["axis": .int(1)]),
            Node(name: "columns", opType: "Softmax", inputs: ["x"], outputs: ["b"], attributes: ["axis": .int(0)]),
            Node(name: "sum", opType: "Add", inputs: ["a", "b"], outputs: ["y"]),
        ], inputs: [floatInput("x", [2, 3])], outputs: ["y"])

        XCTAssertEqual(try Plan(model: softmaxes).stepKinds, ["Softmax", "Softmax", "Add"])
    }

    func testShapeSubgraphIsFolded() throws {
        // Flattens x the way exporters do: Reshape(x, Concat(Gather(Shape(x), 0), [-1])).
        let index = try Tensor(shape: [], values: [Int64(0)])
        let minusOne = try Tensor(shape: [1], values: [Int64(-1)])
        let axes = try Tensor(shape: [1], values: [Int64(0)])
        let flatten = model(nodes: [
            Node(name: "shape", opType: "Shape", inputs: ["x"], outputs: ["s"]),
            Node(name: "batch", opType: "Gather", inputs: ["s", "index"], outputs: ["n"], attributes: ["axis": .int(0)]),
            Node(name: "batch1d", opType: "Unsqueeze", inputs: ["n", "axes"], outputs: ["n1"]),
            Node(name: "target", opType: "Concat", inputs: ["n1", "minus_one"], outputs: ["t"], attributes: ["axis": .int(0)]),
            Node(name: "flatten", opType: "Reshape", inputs: ["x", "t"], outputs: ["y"]),
        ], inputs: [floatInput("x", [2, 3, 4])], outputs: ["y"],
           initializers: ["index": index, "minus_one": minusOne, "axes": axes])

        let plan = try Plan(model: flatten)

        XCTAssertEqual(plan.stepKinds, ["Reshape"])
        XCTAssertEqual(plan.foldedNodeCount, 4)
        XCTAssertEqual(plan.outputs.first?.type.shape, [2, 12])
    }
}
