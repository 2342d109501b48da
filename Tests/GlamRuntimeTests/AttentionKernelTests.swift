import CKernels
@testable import GlamRuntime
import XCTest

/// The fused attention kernel and the GEMM path agree with a double-precision reference on
/// shapes that leave partial query blocks, partial key chunks and odd head widths.
final class AttentionKernelTests: XCTestCase {
    private struct Case {
        let batch: Int
        let tokens: Int
        let heads: Int
        let headDim: Int
    }

    private let cases = [
        Case(batch: 1, tokens: 1, heads: 1, headDim: 1),
        Case(batch: 2, tokens: 5, heads: 2, headDim: 7),
        Case(batch: 1, tokens: 64, heads: 3, headDim: 32),
        Case(batch: 2, tokens: 65, heads: 2, headDim: 64),
        Case(batch: 1, tokens: 203, heads: 2, headDim: 96),
        Case(batch: 1, tokens: 130, heads: 1, headDim: 13),
    ]

    override func tearDown() {
        AttentionOperator.fusedKernelAllowed = true
        super.tearDown()
    }

    /// Deterministic values in [-scale, scale], with a few large ones so the softmax maxima move
    /// from chunk to chunk.
    private func fill(_ tensor: Tensor, seed: UInt64, scale: Float) {
        var state = seed
        let values = tensor.pointer(as: Float.self)
        for index in 0..<tensor.count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let unit = Float(state >> 40) / Float(1 << 24)
            values[index] = (unit * 2 - 1) * scale * (index % 97 == 0 ? 8 : 1)
        }
    }

    private func reference(_ x: Tensor, _ c: Case, scale: Float) -> [Double] {
        let width = c.heads * c.headDim
        let input = x.pointer(as: Float.self)
        var output = [Double](repeating: 0, count: c.batch * c.tokens * width)
        var scores = [Double](repeating: 0, count: c.tokens)
        for item in 0..<c.batch {
            let base = item * c.tokens * 3 * width
            for head in 0..<c.heads {
                for query in 0..<c.tokens {
                    var maximum = -Double.infinity
                    for key in 0..<c.tokens {
                        var dot = 0.0
                        for d in 0..<c.headDim {
                            dot += Double(input[base + query * 3 * width + head * c.headDim + d])
                                * Double(input[base + key * 3 * width + width + head * c.headDim + d])
                        }
                        scores[key] = dot * Double(scale)
                        maximum = max(maximum, scores[key])
                    }
                    var sum = 0.0
                    for key in 0..<c.tokens {
                        scores[key] = exp(scores[key] - maximum)
                        sum += scores[key]
                    }
                    for d in 0..<c.headDim {
                        var value = 0.0
                        for key in 0..<c.tokens {
                            value += scores[key] * Double(input[base + key * 3 * width + 2 * width + head * c.headDim + d])
                        }
                        output[(item * c.tokens + query) * width + head * c.headDim + d] = value / sum
                    }
                }
            }
        }
        return output
    }

    private func checkAllCases(fused: Bool) throws {
        AttentionOperator.fusedKernelAllowed = fused
        for (index, c) in cases.enumerated() {
            let scale = 1 / Float(c.headDim).squareRoot()
            let kernel = AttentionOperator(label: "attention test", heads: c.heads, headDim: c.headDim, scale: scale)
            let inputType = TensorType(.float, [c.batch, c.tokens, 3 * c.heads * c.headDim])
            let outputTypes = try kernel.prepare([InputInfo(type: inputType, constant: nil)])
            XCTAssertEqual(outputTypes, [TensorType(.float, [c.batch, c.tokens, c.heads * c.headDim])])

            let x = try Tensor(dataType: .float, shape: inputType.shape)
            fill(x, seed: UInt64(index + 1), scale: 2)
            let y = try Tensor(dataType: .float, shape: outputTypes[0].shape)
            try kernel.run([x], [y])

            let expected = reference(x, c, scale: scale)
            let actual = y.pointer(as: Float.self)
            // Values reach 16 in magnitude, so float rounding of the dot products needs a
            // relative term: |actual − expected| ≤ 1e-5 + 1e-5 · |expected|.
            var worst = 0.0
            for i in 0..<expected.count {
                worst = max(worst, abs(Double(actual[i]) - expected[i]) / (1 + abs(expected[i])))
            }
            XCTAssertLessThanOrEqual(worst, 1e-5, "fused \(fused), case \(c): max scaled diff \(worst)")
        }
    }

    func testFusedKernelMatchesReference() throws {
        try XCTSkipIf(glam_kernel_attention_supported() == 0, "the fused attention kernel needs AVX-512F")
        try checkAllCases(fused: true)
    }

    func testGEMMPathMatchesReference() throws {
        try checkAllCases(fused: false)
    }

    func testFusedKernelRejectsOversizedBlock() throws {
        try XCTSkipIf(glam_kernel_attention_supported() == 0, "the fused attention kernel needs AVX-512F")
        let workspace = try TensorBuffer(byteCount: Int(glam_kernel_attention_workspace(8)) * 4)
        let data = [Float](repeating: 0, count: 65 * 24)
        var out = [Float](repeating: 0, count: 65 * 8)
        let status = data.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                glam_kernel_attention_block(input.baseAddress, 24, input.baseAddress, input.baseAddress, 24, 65, 65, 8, 1,
                                            output.baseAddress, 8, workspace.pointer.assumingMemoryBound(to: Float.self))
            }
        }
        XCTAssertEqual(status, -1, "a block of 65 query rows is above the kernel's 64")
    }
}
