import GlamFuzzSupport
import GlamRuntime
#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer entry point: a plan for one of a fixed set of real models, bound to input shapes
/// taken from the fuzz input, then one run when the plan is small.
///
/// The models are loaded once from the folders in GLAM_FUZZ_MODELS (colon-separated .onnx
/// paths; `make fuzz` sets it). Every input must end in a thrown error or a finished run,
/// never a crash, hang or sanitizer report.
///
/// Input layout: byte 0 picks the model and byte 1 contains flags (bit 0: bound shapes replace
/// the declared fixed dimensions, bit 1: run the plan). Then come one rank byte and two bytes
/// per dimension for each runtime input, and the rest fills the input tensors.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPlan(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size >= 2, !FuzzModels.shared.isEmpty else {
        return 0
    }
    var reader = FuzzInput(data, count: size)
    let model = FuzzModels.shared[Int(reader.byte()) % FuzzModels.shared.count]
    let flags = reader.byte()

    var shapes: [String: [Int]] = [:]
    for input in model.graph.runtimeInputs {
        let rank = Int(reader.byte() % 7)
        shapes[input.name] = (0..<rank).map { _ in reader.dimension() }
    }
    let binding = InputBinding(shapes: shapes, overridesDeclaredShapes: flags & 1 != 0)
    // A host that binds shapes from untrusted input sets a memory limit; so does the harness.
    let options = PlanOptions(maxMemoryBytes: 16 << 20)
    guard let plan = try? Plan(model: model, binding: binding, options: options) else {
        return 0
    }

    // Running checks the kernels on the odd shapes the plan accepted; large plans are only built.
    let elementCount = plan.inputs.reduce(0) { $0 + $1.type.shape.reduce(1, *) }
    guard flags & 2 != 0, plan.arenaByteCount <= 1 << 22, elementCount <= 1 << 16 else {
        return 0
    }
    var feeds: [String: Tensor] = [:]
    for input in plan.inputs where !input.isValueBound {
        guard let tensor = try? Tensor(dataType: input.type.dataType, shape: input.type.shape) else {
            return 0
        }
        reader.fill(tensor.rawPointer, byteCount: tensor.byteCount)
        if input.type.dataType == .bool {
            // A host can only hand over 0 or 1 for a BOOL element.
            let flags = tensor.rawPointer.assumingMemoryBound(to: UInt8.self)
            for index in 0..<tensor.count { flags[index] &= 1 }
        }
        feeds[input.name] = tensor
    }
    _ = try? plan.run(feeds)
    return 0
}

extension FuzzInput {
    /// Reads a dimension: mostly small, with the high bit of the first byte selecting a range
    /// up to 32,767 so that size limits are reached too.
    mutating func dimension() -> Int {
        let high = byte()
        let low = byte()
        return high & 0x80 == 0 ? Int(low) : Int(high & 0x7f) << 8 | Int(low)
    }
}

/// The models named by GLAM_FUZZ_MODELS, loaded once per process.
enum FuzzModels {
    static let shared: [Model] = {
        // One thread: the fuzzer measures inputs, not parallel speed, and a second core is
        // better spent on another fuzz target.
        Threading.setThreadCount(1)
        guard let list = getenv("GLAM_FUZZ_MODELS").map({ String(cString: $0) }) else {
            print("GlamFuzzPlan: set GLAM_FUZZ_MODELS to colon-separated .onnx paths")
            return []
        }
        return list.split(separator: ":").compactMap { path in
            do {
                // As GlamModel does, fold the subgraphs that no input shape changes once.
                return ConstantFolding.foldConstantNodes(in: try ModelImporter.load(path: String(path)))
            } catch {
                print("GlamFuzzPlan: skipping \(path): \(error)")
                return nil
            }
        }
    }()
}

/// Hands control to libFuzzer; SwiftPM links this as the executable's entry point.
@_cdecl("GlamFuzzPlan_main")
public func fuzzPlanMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv, name: "GlamFuzzPlan") { data, size in fuzzPlan(data, size) }
}
