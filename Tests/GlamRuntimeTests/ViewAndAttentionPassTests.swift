@testable import GlamRuntime
import XCTest

/// View elision and the scaled dot-product fusion: each optimised plan must compute what the
/// unoptimised plan of the same graph computes.
final class ViewAndAttentionPassTests: XCTestCase {
    override func tearDown() {
        AttentionOperator.fusedKernelAllowed = true
        super.tearDown()
    }

    private func int64s(_ values: [Int]) throws -> Tensor {
        try Tensor(shape: [values.count], values: values.map(Int64.init))
    }

    /// Deterministic values in [-scale, scale].
    private func ramp(_ shape: [Int], seed: UInt64, scale: Float = 1) throws -> Tensor {
        var state = seed
        let count = shape.reduce(1, *)
        let values = (0..<count).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
        }
        return try Tensor(shape: shape, values: values)
    }

    private func floats(_ tensor: Tensor?) throws -> [Float] {
        let tensor = try XCTUnwrap(tensor)
        return Array(UnsafeBufferPointer(start: tensor.pointer(as: Float.self), count: tensor.count))
    }

    /// Runs `model` optimised (twice, since some kernels copy constants only at the first run)
    /// and not, and returns the optimised plan with the largest difference of any output.
    private func compare(_ model: Model, feeds: [String: Tensor]) throws -> (optimized: Plan, difference: Float) {
        let optimized = try Plan(model: model)
        let plain = try Plan(model: model, binding: InputBinding(), options: PlanOptions(optimize: false))
        let expected = try plain.run(feeds)
        _ = try optimized.run(feeds)
        let actual = try optimized.run(feeds)
        var difference: Float = 0
        for (name, value) in expected {
            let reference = try floats(value)
            let result = try floats(actual[name])
            XCTAssertEqual(result.count, reference.count, name)
            for (a, b) in zip(result, reference) {
                difference = max(difference, abs(a - b))
            }
        }
        return (optimized, difference)
    }

    // MARK: - View elision

    func testViewKeepsItsSourceAlive() throws {
        // `a` is read only through the view `v`, after `n` is computed. If the planner freed `a`
        // when its Reshape left the plan, `n` would take its memory and the sum would be wrong.
        let model = testModel(nodes: [
            Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["a"]),
            Node(name: "view", opType: "Reshape", inputs: ["a", "rows"], outputs: ["v"]),
            Node(name: "negate", opType: "Neg", inputs: ["x"], outputs: ["n"]),
            Node(name: "flat", opType: "Reshape", inputs: ["n", "rows"], outputs: ["m"]),
            Node(name: "sum", opType: "Add", inputs: ["v", "m"], outputs: ["y"]),
        ], inputs: [floatInput("x", [2, 3, 4])], outputs: ["y"], initializers: ["rows": try int64s([6, 4])])
        let x = try ramp([2, 3, 4], seed: 1)

        let (plan, difference) = try compare(model, feeds: ["x": x])

        XCTAssertEqual(plan.stepKinds, ["Relu", "Neg", "Add"])
        XCTAssertEqual(difference, 0)
        let expected = try floats(x).map { max($0, 0) - $0 }
        XCTAssertEqual(try floats(plan.run(["x": x])["y"]), expected)
    }

    func testGraphOutputViewingGraphInputFollowsEachRun() throws {
        let model = testModel(nodes: [
            Node(name: "flat", opType: "Flatten", inputs: ["x"], outputs: ["y"], attributes: ["axis": .int(1)]),
        ], inputs: [floatInput("x", [2, 3, 4])], outputs: ["y"])
        let plan = try Plan(model: model)

        XCTAssertEqual(plan.stepKinds, [])
        for seed in [UInt64(2), 3] {
            let x = try ramp([2, 3, 4], seed: seed)
            let y = try XCTUnwrap(plan.run(["x": x])["y"])
            XCTAssertEqual(y.shape, [2, 12])
            XCTAssertEqual(try floats(y), try floats(x))
        }
    }

    func testOnlyTransposesOfUnitAxesBecomeViews() throws {
        let model = testModel(nodes: [
            Node(name: "unit", opType: "Transpose", inputs: ["x"], outputs: ["a"], attributes: ["perm": .ints([1, 0, 2])]),
            Node(name: "swap", opType: "Transpose", inputs: ["x"], outputs: ["b"], attributes: ["perm": .ints([0, 2, 1])]),
            Node(name: "relu", opType: "Relu", inputs: ["a"], outputs: ["y"]),
            Node(name: "sigmoid", opType: "Sigmoid", inputs: ["b"], outputs: ["z"]),
        ], inputs: [floatInput("x", [1, 5, 3])], outputs: ["y", "z"])

        let (plan, difference) = try compare(model, feeds: ["x": try ramp([1, 5, 3], seed: 4)])

        XCTAssertEqual(plan.stepKinds, ["Transpose", "Relu", "Sigmoid"])
        XCTAssertEqual(difference, 0)
    }

    // MARK: - Scaled dot-product fusion

    /// GLAM's region pooling as PyTorch exports it: learnt queries [1, H, Lq, dh] attend to keys
    /// and values split from one packed projection [L, 1, 2·H·dh]. The split goes through
    /// Reshape, Unsqueeze, Transpose, Squeeze and Gather; the scale is on Kᵀ.
    private func poolingModel(tokens: Int, queries: Int, heads: Int, headDim: Int,
                              probabilitiesAreOutput: Bool = false) throws -> Model {
        let width = heads * headDim
        var outputs = ["y"]
        if probabilitiesAreOutput { outputs.append("p") }
        return testModel(nodes: [
            Node(name: "split_kv", opType: "Reshape", inputs: ["kv", "kv_shape"], outputs: ["kv4"]),
            Node(name: "lift", opType: "Unsqueeze", inputs: ["kv4", "axis0"], outputs: ["kv5"]),
            Node(name: "front", opType: "Transpose", inputs: ["kv5"], outputs: ["kv_t"], attributes: ["perm": .ints([3, 1, 2, 0, 4])]),
            Node(name: "drop", opType: "Squeeze", inputs: ["kv_t", "axis3"], outputs: ["kv_s"]),
            Node(name: "take_k", opType: "Gather", inputs: ["kv_s", "zero"], outputs: ["k"], attributes: ["axis": .int(0)]),
            Node(name: "take_v", opType: "Gather", inputs: ["kv_s", "one"], outputs: ["v"], attributes: ["axis": .int(0)]),
            Node(name: "k_heads", opType: "Reshape", inputs: ["k", "head_shape"], outputs: ["kh"]),
            Node(name: "v_heads", opType: "Reshape", inputs: ["v", "head_shape"], outputs: ["vh"]),
            Node(name: "k_major", opType: "Transpose", inputs: ["kh"], outputs: ["kt"], attributes: ["perm": .ints([1, 0, 2])]),
            Node(name: "v_major", opType: "Transpose", inputs: ["vh"], outputs: ["vt"], attributes: ["perm": .ints([1, 0, 2])]),
            Node(name: "k_columns", opType: "Transpose", inputs: ["kt"], outputs: ["kc"], attributes: ["perm": .ints([0, 2, 1])]),
            Node(name: "k_batch", opType: "Reshape", inputs: ["kc", "kT_shape"], outputs: ["kb"]),
            Node(name: "v_batch", opType: "Reshape", inputs: ["vt", "v_shape"], outputs: ["vb"]),
            Node(name: "k_scale", opType: "Mul", inputs: ["kb", "scale"], outputs: ["ks"]),
            Node(name: "scores", opType: "MatMul", inputs: ["q", "ks"], outputs: ["s"]),
            Node(name: "softmax", opType: "Softmax", inputs: ["s"], outputs: ["p"], attributes: ["axis": .int(-1)]),
            Node(name: "values", opType: "MatMul", inputs: ["p", "vb"], outputs: ["y"]),
        ], inputs: [floatInput("kv", [tokens, 1, 2 * width])], outputs: outputs, initializers: [
            "kv_shape": try int64s([tokens, 1, 2, width]), "axis0": try int64s([0]), "axis3": try int64s([3]),
            "zero": try Tensor(shape: [], values: [Int64(0)]), "one": try Tensor(shape: [], values: [Int64(1)]),
            "head_shape": try int64s([tokens, heads, headDim]), "kT_shape": try int64s([1, heads, headDim, tokens]),
            "v_shape": try int64s([1, heads, tokens, headDim]),
            "scale": try Tensor(shape: [], values: [Float(0.6)]),
            "q": try ramp([1, heads, queries, headDim], seed: 7),
        ])
    }

    func testRegionPoolingFusesOnBothPaths() throws {
        // 67 queries leave a partial block of 64; 70 keys a partial chunk; head width 5 is odd.
        let model = try poolingModel(tokens: 70, queries: 67, heads: 3, headDim: 5)
        let kv = try ramp([70, 1, 30], seed: 8, scale: 3)

        for fusedKernel in [true, false] {
            AttentionOperator.fusedKernelAllowed = fusedKernel
            let (plan, difference) = try compare(model, feeds: ["kv": kv])

            XCTAssertEqual(plan.stepKinds, ["ScaledDotProductAttention"], "fused kernel: \(fusedKernel)")
            XCTAssertLessThanOrEqual(difference, 1e-5, "fused kernel: \(fusedKernel)")
        }
    }

    func testProbabilitiesReadElsewhereAreNotFused() throws {
        let model = try poolingModel(tokens: 9, queries: 4, heads: 2, headDim: 3, probabilitiesAreOutput: true)

        let (plan, difference) = try compare(model, feeds: ["kv": try ramp([9, 1, 12], seed: 9)])

        XCTAssertTrue(plan.stepKinds.contains("Softmax"))
        XCTAssertFalse(plan.stepKinds.contains("ScaledDotProductAttention"))
        XCTAssertEqual(difference, 0)
    }

    func testScaleOnScoresAndNoTransposeOnKeys() throws {
        // softmax((Q·2)·B / 4)·V, where B is a plain input, so K is read column-wise.
        let model = testModel(nodes: [
            Node(name: "q_scale", opType: "Mul", inputs: ["two", "q"], outputs: ["qs"]),
            Node(name: "scores", opType: "MatMul", inputs: ["qs", "b"], outputs: ["s"]),
            Node(name: "divide", opType: "Div", inputs: ["s", "four"], outputs: ["sd"]),
            Node(name: "softmax", opType: "Softmax", inputs: ["sd"], outputs: ["p"]),
            Node(name: "values", opType: "MatMul", inputs: ["p", "v"], outputs: ["y"]),
        ], inputs: [floatInput("q", [2, 33, 8]), floatInput("b", [2, 8, 21]), floatInput("v", [2, 21, 8])],
           outputs: ["y"], initializers: ["two": try Tensor(shape: [], values: [Float(2)]),
                                          "four": try Tensor(shape: [1], values: [Float(4)])])
        let feeds = ["q": try ramp([2, 33, 8], seed: 10), "b": try ramp([2, 8, 21], seed: 11), "v": try ramp([2, 21, 8], seed: 12)]

        let (plan, difference) = try compare(model, feeds: feeds)

        XCTAssertEqual(plan.stepKinds, ["ScaledDotProductAttention"])
        XCTAssertLessThanOrEqual(difference, 1e-5)
    }

    func testEmptyHeadWidthRuns() throws {
        // Q·Kᵀ over zero columns is all zeros; the output [1, 3, 0] has nothing to compute.
        let model = testModel(nodes: [
            Node(name: "scores", opType: "MatMul", inputs: ["q", "b"], outputs: ["s"]),
            Node(name: "softmax", opType: "Softmax", inputs: ["s"], outputs: ["p"]),
            Node(name: "values", opType: "MatMul", inputs: ["p", "v"], outputs: ["y"]),
        ], inputs: [floatInput("q", [1, 3, 0]), floatInput("b", [1, 0, 4]), floatInput("v", [1, 4, 0])], outputs: ["y"])
        let feeds = ["q": try Tensor(dataType: .float, shape: [1, 3, 0]), "b": try Tensor(dataType: .float, shape: [1, 0, 4]),
                     "v": try Tensor(dataType: .float, shape: [1, 4, 0])]

        let plan = try Plan(model: model)
        let y = try XCTUnwrap(plan.run(feeds)["y"])

        XCTAssertEqual(plan.stepKinds, ["ScaledDotProductAttention"])
        XCTAssertEqual(y.shape, [1, 3, 0])
    }

    func testStridedViewThroughGather() throws {
        // x [4, 3, 5] → Transpose (1, 0, 2) → [3, 4, 5] → Gather index 2 on axis 0 → [4, 5]:
        // element (i, j) is x[i, 2, j], at 15·i + 10 + j.
        let model = testModel(nodes: [
            Node(name: "t", opType: "Transpose", inputs: ["x"], outputs: ["a"], attributes: ["perm": .ints([1, 0, 2])]),
            Node(name: "g", opType: "Gather", inputs: ["a", "two"], outputs: ["b"], attributes: ["axis": .int(0)]),
        ], inputs: [floatInput("x", [4, 3, 5])], outputs: ["b"], initializers: ["two": try Tensor(shape: [], values: [Int64(2)])])
        var builder = PlanBuilder(model: model, binding: InputBinding())
        builder.options = PlanOptions(optimize: false)
        let built = try builder.build()
        let graph = PlanGraph(steps: built.steps, types: built.values.map { TensorType($0.dataType, $0.shape) },
                              constants: [:], pinned: [], options: PlanOptions())
        let output = try XCTUnwrap(built.outputs.first?.slot)
        let input = try XCTUnwrap(built.inputs.first?.slot)

        let view = StridedView.trace(output, in: StepIndex(graph))

        XCTAssertEqual(view.slot, input)
        XCTAssertEqual(view.shape, [4, 5])
        XCTAssertEqual(view.strides, [15, 1])
        XCTAssertEqual(view.offset, 10)
    }
}
