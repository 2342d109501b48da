import GlamFuzzSupport
import GlamRuntime
#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer entry point: any bytes as an ONNX model, then a plan for it.
///
/// External data locations resolve against the folder in GLAM_FUZZ_EXTERNAL_DIR when it is set
/// (`make fuzz-loader` fills one with a weights file and a symbolic link that leaves the folder).
/// Build and run with `make fuzz-loader SECONDS=60`; every input must end in a thrown error or a
/// plan, never a crash, hang or sanitizer report.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLoader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let model = try? ModelImporter.load(bytes: bytes, externalDataDirectory: externalDataDirectory) else {
        return 0
    }
    if let plan = try? Plan(model: model) {
        _ = plan.stepCount
    }
    return 0
}

private let externalDataDirectory: String? = getenv("GLAM_FUZZ_EXTERNAL_DIR").map { String(cString: $0) }

/// Hands control to libFuzzer; SwiftPM links this as the executable's entry point.
@_cdecl("GlamFuzzLoader_main")
public func fuzzLoaderMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv, name: "GlamFuzzLoader") { data, size in fuzzLoader(data, size) }
}
