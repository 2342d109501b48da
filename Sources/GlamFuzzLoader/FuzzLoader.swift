import CFuzzSupport
import GlamRuntime

/// libFuzzer entry point: any bytes as an ONNX model, then a plan for it.
///
/// Build and run with `make fuzz-loader SECONDS=60`; every input must end in a thrown error or a
/// plan, never a crash, hang or sanitizer report.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLoader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let model = try? ModelImporter.load(bytes: bytes) else {
        return 0
    }
    if let plan = try? Plan(model: model) {
        _ = plan.stepCount
    }
    return 0
}

/// The program entry SwiftPM links for this executable target; it hands control to libFuzzer.
@_cdecl("GlamFuzzLoader_main")
public func fuzzLoaderMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    let status = glam_fuzz_run(&count, &arguments) { data, size in fuzzLoader(data, size) }
    if status == -1 {
        print("GlamFuzzLoader needs libFuzzer: build and run it with `make fuzz-loader`.")
        return 2
    }
    return status
}
