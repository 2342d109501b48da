import CGlamABI
@testable import GlamRuntime
import XCTest

/// Each structural limit of `ModelLimits`, the tensor size limits and protobuf's nesting limit
/// reject a model that exceeds them, and a model just inside them still loads.
final class ModelLimitsTests: XCTestCase {
    /// x → Identity → ... → y with `count` nodes.
    private func identityChain(_ count: Int) -> [UInt8] {
        onnxModel { graph in
            graph.string(ONNXField.graphName, "chain")
            for index in 0..<count {
                graph.message(ONNXField.graphNode) { node in
                    node.string(ONNXField.nodeInput, index == 0 ? "x" : "v\(index)")
                    node.string(ONNXField.nodeOutput, index == count - 1 ? "y" : "v\(index + 1)")
                    node.string(ONNXField.nodeOpType, "Identity")
                }
            }
            graph.message(ONNXField.graphInput, floatValueInfo("x", [2]))
            graph.message(ONNXField.graphOutput, floatValueInfo("y", [2]))
        }
    }

    private func assertRejected(_ bytes: [UInt8], limits: ModelLimits = ModelLimits(), kind: GlamError.Kind = .invalidModel,
                                mentioning fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ModelImporter.load(bytes: bytes, limits: limits), file: file, line: line) { error in
            guard let error = error as? GlamError else {
                return XCTFail("unexpected error \(error)", file: file, line: line)
            }
            XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
            for fragment in fragments {
                XCTAssertTrue(error.message.contains(fragment), "'\(fragment)' missing from: \(error.message)", file: file, line: line)
            }
        }
    }

    func testNodeCountAtLimitLoads() throws {
        var limits = ModelLimits()
        limits.maxNodeCount = 5

        let model = try ModelImporter.load(bytes: identityChain(5), limits: limits)

        XCTAssertEqual(model.graph.nodes.count, 5)
    }

    func testNodeCountAboveLimitIsRejected() {
        var limits = ModelLimits()
        limits.maxNodeCount = 4

        assertRejected(identityChain(5), limits: limits, mentioning: ["5 nodes", "limit of 4"])
    }

    func testInitializerCountAboveLimitIsRejected() {
        var limits = ModelLimits()
        limits.maxInitializerCount = 2
        let bytes = onnxModel { graph in
            for index in 0..<3 {
                graph.message(ONNXField.graphInitializer) { tensor in
                    tensor.int(ONNXField.tensorDataType, 1)
                    tensor.string(ONNXField.tensorName, "w\(index)")
                    tensor.bytes(ONNXField.tensorRawData, [0, 0, 0, 0])
                }
            }
        }

        assertRejected(bytes, limits: limits, mentioning: ["3 initializers", "limit of 2"])
    }

    func testValueInfoCountAboveLimitIsRejected() {
        var limits = ModelLimits()
        limits.maxValueInfoCount = 0

        assertRejected(identityChain(1), limits: limits, mentioning: ["1 graph inputs", "limit of 0"])
    }

    func testNodeFieldCountAboveLimitIsRejected() {
        var limits = ModelLimits()
        limits.maxNodeFieldCount = 2
        let bytes = onnxModel { graph in
            graph.message(ONNXField.graphNode) { node in
                for name in ["a", "b", "c"] {
                    node.string(ONNXField.nodeInput, name)
                }
                node.string(ONNXField.nodeOutput, "y")
                node.string(ONNXField.nodeName, "sum")
                node.string(ONNXField.nodeOpType, "Sum")
            }
        }

        assertRejected(bytes, limits: limits, mentioning: ["3 inputs of", "'sum'", "limit of 2"])
    }

    func testAttributeValueCountAboveLimitIsRejected() {
        var limits = ModelLimits()
        limits.maxAttributeElementCount = 9
        let bytes = onnxModel { graph in
            graph.message(ONNXField.graphNode) { node in
                node.string(ONNXField.nodeInput, "x")
                node.string(ONNXField.nodeOutput, "y")
                node.string(ONNXField.nodeOpType, "Transpose")
                node.message(ONNXField.nodeAttribute) { attribute in
                    attribute.string(ONNXField.attributeName, "perm")
                    attribute.int(ONNXField.attributeType, ONNXField.attributeTypeInts)
                    for axis in 0..<10 {
                        attribute.int(ONNXField.attributeInts, axis)
                    }
                }
            }
        }

        assertRejected(bytes, limits: limits, mentioning: ["10 values in attribute 'perm'", "limit of 9"])
    }

    func testInitializerRankAboveLimitIsRejected() {
        let bytes = onnxModel { graph in
            graph.message(ONNXField.graphInitializer) { tensor in
                for _ in 0..<65 {
                    tensor.int(ONNXField.tensorDims, 1)
                }
                tensor.int(ONNXField.tensorDataType, 1)
                tensor.string(ONNXField.tensorName, "deep")
                tensor.bytes(ONNXField.tensorRawData, [0, 0, 0, 0])
            }
        }

        assertRejected(bytes, mentioning: ["'deep' has 65 dimensions", "limit of 64"])
    }

    func testDeclaredShapeRankAboveLimitIsRejected() {
        let bytes = onnxModel { graph in
            graph.message(ONNXField.graphInput, floatValueInfo("x", [Int](repeating: 1, count: 65)))
        }

        assertRejected(bytes, mentioning: ["65 dimensions of value 'x'", "limit of 64"])
    }

    func testHugeDeclaredTensorIsRejectedBeforeAllocation() {
        // 2^20 × 2^20 FLOAT is 4 TiB: within the element limit, far above the byte limit.
        let bytes = onnxModel { graph in
            graph.message(ONNXField.graphInitializer) { tensor in
                tensor.int(ONNXField.tensorDims, 1 << 20)
                tensor.int(ONNXField.tensorDims, 1 << 20)
                tensor.int(ONNXField.tensorDataType, 1)
                tensor.string(ONNXField.tensorName, "huge")
            }
        }

        assertRejected(bytes, kind: .outOfMemory, mentioning: ["4398046511104 bytes", "4 GiB"])
    }

    func testOverflowingElementCountIsRejected() {
        let bytes = onnxModel { graph in
            graph.message(ONNXField.graphInitializer) { tensor in
                for _ in 0..<3 {
                    tensor.int(ONNXField.tensorDims, 1 << 30)
                }
                tensor.int(ONNXField.tensorDataType, 1)
                tensor.string(ONNXField.tensorName, "overflow")
            }
        }

        assertRejected(bytes, kind: .outOfMemory, mentioning: ["more than 2^40 elements"])
    }

    func testRawDataShorterThanShapeIsRejected() {
        let bytes = onnxModel { graph in
            graph.message(ONNXField.graphInitializer) { tensor in
                tensor.int(ONNXField.tensorDims, 2)
                tensor.int(ONNXField.tensorDataType, 1)
                tensor.string(ONNXField.tensorName, "short")
                tensor.bytes(ONNXField.tensorRawData, [0, 0, 0, 0])
            }
        }

        assertRejected(bytes, mentioning: ["raw_data has 4 bytes", "needs 8"])
    }

    func testNestingBeyondProtobufLimitIsRejected() {
        // Each level is GraphProto → NodeProto → AttributeProto → GraphProto: three messages.
        func nested(_ depth: Int) -> (inout ProtobufWriter) -> Void {
            { graph in
                guard depth > 0 else { return }
                graph.message(ONNXField.graphNode) { node in
                    node.string(ONNXField.nodeOpType, "If")
                    node.message(ONNXField.nodeAttribute) { attribute in
                        attribute.string(ONNXField.attributeName, "then_branch")
                        attribute.int(ONNXField.attributeType, ONNXField.attributeTypeGraph)
                        attribute.message(ONNXField.attributeGraph, nested(depth - 1))
                    }
                }
            }
        }

        assertRejected(onnxModel(nested(ModelLimits.maxNestingDepth)), mentioning: ["nested more than 100 levels"])
    }
}

/// The limits that glam.h documents for C hosts are the ones the importer enforces.
final class HeaderLimitsTests: XCTestCase {
    func testHeaderMatchesImporter() {
        let limits = ModelLimits()

        XCTAssertEqual(Int(GLAM_MAX_MODEL_NODES), limits.maxNodeCount)
        XCTAssertEqual(Int(GLAM_MAX_MODEL_INITIALIZERS), limits.maxInitializerCount)
        XCTAssertEqual(Int(GLAM_MAX_MODEL_VALUE_INFOS), limits.maxValueInfoCount)
        XCTAssertEqual(Int(GLAM_MAX_NODE_FIELDS), limits.maxNodeFieldCount)
        XCTAssertEqual(Int(GLAM_MAX_ATTRIBUTE_VALUES), limits.maxAttributeElementCount)
        XCTAssertEqual(Int(GLAM_MAX_TENSOR_RANK), limits.maxRank)
        XCTAssertEqual(Int(GLAM_MAX_MODEL_NESTING), ModelLimits.maxNestingDepth)
        XCTAssertEqual(Int(GLAM_MAX_TENSOR_BYTES), TensorBuffer.maxByteCount)
        XCTAssertEqual(Int(GLAM_MAX_TENSOR_ELEMENTS), Shape.maxElementCount)
        XCTAssertEqual(Int(GLAM_MAX_MODEL_FILE_BYTES), Int(Int32.max))
    }
}

/// `PlanOptions.maxMemoryBytes` rejects a plan before it allocates past the limit.
final class PlanMemoryLimitTests: XCTestCase {
    /// y = Relu(x) for x of `count` FLOAT values, whose size is bound when the plan is built.
    private func reluModel() -> Model {
        testModel(nodes: [Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["y"])],
                  inputs: [ValueInfo(name: "x", dataType: .float, shape: [.symbolic("n")])], outputs: ["y"])
    }

    private func build(count: Int, limit: Int) throws -> Plan {
        try Plan(model: reluModel(), binding: InputBinding(shapes: ["x": [count]]), options: PlanOptions(maxMemoryBytes: limit))
    }

    func testPlanWithinLimitBuilds() throws {
        // 4 MiB of input and 4 MiB of output.
        XCTAssertNoThrow(try build(count: 1 << 20, limit: 8 << 20))
    }

    func testInputBeyondLimitIsRejected() {
        XCTAssertThrowsError(try build(count: 1 << 20, limit: 1 << 20)) { error in
            let message = (error as? GlamError)?.message ?? ""
            XCTAssertEqual((error as? GlamError)?.kind, .outOfMemory)
            XCTAssertTrue(message.contains("input 'x' needs 4194304 bytes"), message)
        }
    }

    func testArenaBeyondLimitIsRejected() {
        XCTAssertThrowsError(try build(count: 1 << 20, limit: 6 << 20)) { error in
            let message = (error as? GlamError)?.message ?? ""
            XCTAssertEqual((error as? GlamError)?.kind, .outOfMemory)
            XCTAssertTrue(message.contains("intermediate values need more than 2097152 bytes"), message)
        }
    }

    func testConvWorkingMemoryCountsAgainstLimit() throws {
        // A 3×3 convolution of a 1×1×256×256 image unfolds 9 × 65,536 FLOAT columns (2.25 MiB).
        let weights = try Tensor(shape: [1, 1, 3, 3], values: [Float](repeating: 1, count: 9))
        let model = testModel(nodes: [Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["y"],
                                           attributes: ["pads": .ints([1, 1, 1, 1])])],
                              inputs: [floatInput("x", [1, 1, 256, 256])], outputs: ["y"], initializers: ["w": weights])

        XCTAssertNoThrow(try Plan(model: model, binding: InputBinding(), options: PlanOptions(maxMemoryBytes: 8 << 20)))
        XCTAssertThrowsError(try Plan(model: model, binding: InputBinding(), options: PlanOptions(maxMemoryBytes: 2 << 20))) { error in
            let message = (error as? GlamError)?.message ?? ""
            XCTAssertTrue(message.contains("working memory needs 2359296 bytes"), message)
        }
    }
}
