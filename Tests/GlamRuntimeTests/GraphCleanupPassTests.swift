@testable import GlamRuntime
import XCTest

/// Constant folding, common-subexpression elimination and dead-step removal on small graphs
/// whose expected result is worked out by hand.
final class GraphCleanupPassTests: XCTestCase {
    /// y = Relu(x) + Relu(x), with a Sigmoid branch that no output reads.
    private var duplicatedModel: Model {
        testModel(nodes: [
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
        let graphOutputs = testModel(nodes: [
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
        let softmaxes = testModel(nodes: [
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
        let flatten = testModel(nodes: [
            Node(name: "shape", opType: "Shape", inputs: ["x"], outputs: ["s"]),
            Node(name: "batch", opType: "Gather", inputs: ["s", "index"], outputs: ["n"], attributes: ["axis": .int(0)]),
            Node(name: "batch1d", opType: "Unsqueeze", inputs: ["n", "axes"], outputs: ["n1"]),
            Node(name: "target", opType: "Concat", inputs: ["n1", "minus_one"], outputs: ["t"], attributes: ["axis": .int(0)]),
            Node(name: "flatten", opType: "Reshape", inputs: ["x", "t"], outputs: ["y"]),
        ], inputs: [floatInput("x", [2, 3, 4])], outputs: ["y"],
           initializers: ["index": index, "minus_one": minusOne, "axes": axes])

        let plan = try Plan(model: flatten)

        // Only the Reshape of x is left, and it becomes a view of x's memory (ViewElision).
        XCTAssertEqual(plan.stepKinds, [])
        XCTAssertEqual(plan.foldedNodeCount, 4)
        XCTAssertEqual(plan.outputs.first?.type.shape, [2, 12])
    }

    func testConstantNodesFoldIntoInitializers() throws {
        // y = x · (a + b), where a + b depends on initializers only.
        let a = try Tensor(shape: [3], values: [Float(1), 2, 3])
        let b = try Tensor(shape: [3], values: [Float(10), 20, 30])
        let scaled = testModel(nodes: [
            Node(name: "offset", opType: "Add", inputs: ["a", "b"], outputs: ["c"]),
            Node(name: "scale", opType: "Mul", inputs: ["x", "c"], outputs: ["y"]),
        ], inputs: [floatInput("x", [2, 3])], outputs: ["y"], initializers: ["a": a, "b": b])

        let folded = ConstantFolding.foldConstantNodes(in: scaled)
        let y = try XCTUnwrap(try Plan(model: folded).run(["x": Tensor(shape: [2, 3], values: xValues)])["y"])

        XCTAssertEqual(folded.graph.nodes.map(\.name), ["scale"])
        let c = try XCTUnwrap(folded.graph.initializers["c"])
        XCTAssertEqual(Array(UnsafeBufferPointer(start: c.pointer(as: Float.self), count: c.count)), [11, 22, 33])
        XCTAssertEqual(Array(UnsafeBufferPointer(start: y.pointer(as: Float.self), count: y.count)), [-22, -22, 0, 11, 44, 99])
    }

    func testGraphOutputNodeIsNotFolded() {
        let a = try? Tensor(shape: [1], values: [Float(1)])
        let constantOutput = testModel(nodes: [Node(name: "copy", opType: "Identity", inputs: ["a"], outputs: ["y"])],
                                   inputs: [], outputs: ["y"], initializers: a.map { ["a": $0] } ?? [:])

        XCTAssertEqual(ConstantFolding.foldConstantNodes(in: constantOutput).graph.nodes.map(\.name), ["copy"])
    }

    func testFoldedFixtureStillMatchesReference() throws {
        let folder = FixturePaths.fixture("glam-tiny-opset17")
        let test = try BackendTest(modelPath: folder + "/align.onnx")
        let folded = ConstantFolding.foldConstantNodes(in: test.model)
        let feeds = try test.inputs(of: folder + "/align/test_data_set_0")
        var expected: [String: Tensor] = [:]
        for (index, output) in test.model.graph.outputs.enumerated() {
            expected[output.name] = try TensorFile.read(path: folder + "/align/test_data_set_0/output_\(index).pb").tensor
        }

        let outputs = try Plan(model: folded, binding: InputBinding(shapes: feeds.mapValues(\.shape))).run(feeds)

        XCTAssertLessThan(folded.graph.nodes.count, test.model.graph.nodes.count)
        for (name, reference) in expected {
            let value = try XCTUnwrap(outputs[name], name)
            let comparison = Comparison.compare(value, reference, tolerance: Tolerance(absolute: 1e-4))
            XCTAssertLessThanOrEqual(comparison.maxAbsoluteDifference, 1e-4, name)
        }
    }
}
