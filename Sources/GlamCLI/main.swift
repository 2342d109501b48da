#if canImport(Glibc)
import Glibc
#endif
import GlamRuntime

/// `glam`: inspect, run and check ONNX models with libglam's runtime.
let usage = """
usage:
  glam inspect MODEL.onnx [--plan 1 [--shape NAME=D0xD1x...]]
  glam run MODEL.onnx --input NAME=FILE.pb [--input ...] --output-dir DIR [--threads N]
  glam check MODEL.onnx DIR [--atol X] [--rtol Y] [--threads N]
  glam conformance [NODE_TEST_DIR] [--verbose 1]
  glam bench MODEL.onnx [--shape NAME=D0xD1x...] [--repeat N] [--threads N] [--profile 1]
  glam demo [--bundle DIR] [--cc CC.png] [--mlo MLO.png] [--point X,Y] [--output-dir DIR]

inspect  prints the IR version, opsets, inputs and outputs, operator histogram,
         metadata_props and any unsupported operators; with --plan, the compiled plan
         (fused kernels, output shapes @ arena offsets, FLOPs per step).
run      feeds TensorProto .pb files to the named inputs and writes each output
         to DIR/NAME.pb.
check    runs every test_data_set_* in DIR (ONNX backend-test layout) and compares
         each output with output_I.pb; passes when |diff| <= atol + rtol*|expected|
         (default atol 1e-4, rtol 0). Exit status 1 when any output fails.
conformance runs ONNX's node tests (default: Debian's libonnx-testdata) with
         ONNX's backend tolerance and prints passed, failed and skipped counts;
         a test is skipped only when it uses an operator libglam does not implement.
demo     runs a GLAM bundle (default: the embedded models/glam-demo) on a
         real CC + MLO pair and writes a picture and .npy files; see glam demo --help.
--threads sets the OpenBLAS thread count (default: OpenBLAS's own default).
"""

func fail(_ message: String) -> Never {
    fputs("glam: \(message)\n", stderr)
    exit(2)
}

/// Reads `--name VALUE` options and positional arguments.
struct Arguments {
    var positional: [String] = []
    var options: [String: [String]] = [:]

    init(_ arguments: ArraySlice<String>) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            if argument == "--help" {
                options["help"] = [""]
            } else if argument.hasPrefix("--") {
                guard let value = iterator.next() else { fail("option \(argument) needs a value\n\(usage)") }
                options[String(argument.dropFirst(2)), default: []].append(value)
            } else {
                positional.append(argument)
            }
        }
    }

    /// Exits with the usage text when an option outside `allowed` was given.
    func requireOnly(_ allowed: Set<String>, usage: String) {
        for name in options.keys.sorted() where !allowed.contains(name) && name != "help" {
            fail("unknown option --\(name)\n\(usage)")
        }
    }

    /// Parses every `--shape NAME=D0xD1x...` option; exits on a malformed one.
    func shapes() -> [String: [Int]] {
        var result: [String: [Int]] = [:]
        for binding in options["shape"] ?? [] {
            let parts = binding.split(separator: "=")
            let dimensions = parts.count == 2 ? parts[1].split(separator: "x").map { Int($0) } : []
            guard !dimensions.isEmpty, !dimensions.contains(nil) else {
                fail("--shape '\(binding)' must be NAME=D0xD1x..., for example image=2x3x518x518")
            }
            result[String(parts[0])] = dimensions.compactMap { $0 }
        }
        return result
    }

    func double(_ name: String, default value: Double) -> Double {
        guard let text = options[name]?.last else { return value }
        guard let parsed = Double(text), parsed >= 0 else { fail("--\(name) '\(text)' is not a non-negative number") }
        return parsed
    }

    func applyThreads() {
        guard let text = options["threads"]?.last else { return }
        guard let count = Int(text), count > 0 else { fail("--threads '\(text)' is not a positive integer") }
        Threading.setThreadCount(count)
    }
}

func describe(_ info: ValueInfo) -> String {
    let type = info.dataType.map(String.init(describing:)) ?? "non-tensor"
    let shape = info.shape.map { "[" + $0.map(\.description).joined(separator: ", ") + "]" } ?? "[unknown]"
    return "\(info.name): \(type) \(shape)"
}

func inspect(_ arguments: Arguments) throws {
    guard let path = arguments.positional.first else { fail(usage) }
    let model = try ModelImporter.load(path: path)
    print("model: \(path)")
    print("IR version: \(model.irVersion)")
    print("producer: \(model.producerName) \(model.producerVersion)")
    let opsets = model.opsetImports.sorted { $0.key < $1.key }
        .map { "\($0.key.isEmpty ? "ai.onnx" : $0.key) \($0.value)" }
    print("opsets: \(opsets.joined(separator: ", "))")
    print("inputs:")
    for input in model.graph.runtimeInputs { print("  \(describe(input))") }
    print("outputs:")
    for output in model.graph.outputs { print("  \(describe(output))") }
    print("initializers: \(model.graph.initializers.count)")

    var histogram: [String: Int] = [:]
    for node in model.graph.nodes { histogram[node.opType, default: 0] += 1 }
    print("operators (\(model.graph.nodes.count) nodes):")
    for (opType, count) in histogram.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
        print("  \(opType) \(count)")
    }
    print("metadata_props:")
    for entry in model.metadata { print("  \(entry.key) = \(entry.value)") }

    let unsupported = model.unsupportedOperators
    print("unsupported operators: \(unsupported.isEmpty ? "none" : String(unsupported.count))")
    for item in unsupported { print("  \(item)") }

    if arguments.options["plan"] != nil {
        try printPlan(model, arguments)
    }
}

/// Prints the compiled plan: fused kernels, arena offsets and FLOPs per step.
func printPlan(_ model: Model, _ arguments: Arguments) throws {
    let plan = try Plan(model: model, inputShapes: arguments.shapes())
    let summaries = plan.stepSummaries
    let total = summaries.reduce(0) { $0 + $1.flops }
    print("plan: \(summaries.count) steps, \(plan.foldedNodeCount) nodes folded at plan time, arena \(plan.arenaByteCount) bytes, \(total) FLOPs per run")
    for (index, step) in summaries.enumerated() {
        let name = step.domain.isEmpty ? step.opType : "\(step.domain):\(step.opType)"
        let outputs = zip(step.outputShapes, step.outputOffsets).map { shape, offset in
            "\(shape)@\(offset.map(String.init) ?? "-")"
        }.joined(separator: " ")
        print("  \(index) \(name) -> \(outputs) flops \(step.flops)")
    }
}

func runModel(_ arguments: Arguments) throws {
    guard let path = arguments.positional.first else { fail(usage) }
    guard let outputDirectory = arguments.options["output-dir"]?.last else { fail("--output-dir is required\n\(usage)") }
    arguments.applyThreads()
    let model = try ModelImporter.load(path: path)

    var feeds: [String: Tensor] = [:]
    for binding in arguments.options["input"] ?? [] {
        guard let equals = binding.firstIndex(of: "=") else { fail("--input '\(binding)' must be NAME=FILE.pb") }
        let name = String(binding[..<equals])
        feeds[name] = try TensorFile.read(path: String(binding[binding.index(after: equals)...])).tensor
    }
    let plan = try Plan(model: model, inputShapes: feeds.mapValues(\.shape))
    let outputs = try plan.run(feeds)
    mkdir(outputDirectory, 0o755)
    for output in plan.outputs {
        guard let tensor = outputs[output.name] else { continue }
        let file = outputDirectory + "/" + output.name.map { $0 == "/" ? "_" : $0 } + ".pb"
        try TensorFile.write(tensor, name: output.name, path: file)
        print("\(output.name): \(tensor.dataType)\(tensor.shape) -> \(file)")
    }
}

func check(_ arguments: Arguments) throws -> Bool {
    guard arguments.positional.count >= 2 else { fail(usage) }
    arguments.applyThreads()
    let tolerance = Tolerance(absolute: arguments.double("atol", default: 1e-4), relative: arguments.double("rtol", default: 0))
    let test = try BackendTest(modelPath: arguments.positional[0])
    let results = try test.run(directory: arguments.positional[1], tolerance: tolerance)
    print("tolerance: \(tolerance)")
    var failures = 0
    for result in results {
        let status = result.comparison.passed ? "PASS" : "FAIL"
        let detail = result.comparison.mismatch ?? "max abs diff \(result.comparison.maxAbsoluteDifference), cosine \(result.comparison.cosine)"
        print("\(status) \(result.dataSet) \(result.name): \(detail)")
        if !result.comparison.passed { failures += 1 }
    }
    print("\(results.count - failures) passed, \(failures) failed")
    return failures == 0
}

func conformance(_ arguments: Arguments) throws -> Bool {
    let suite = arguments.positional.first.map { ConformanceSuite(root: $0) } ?? ConformanceSuite()
    let verbose = arguments.options["verbose"] != nil
    var counts = (passed: 0, failed: 0, skipped: 0, valueType: 0)
    for result in try suite.run() {
        switch result.outcome {
        case .passed:
            counts.passed += 1
            if verbose { print("PASS \(result.name)") }
        case .failed(let reason):
            counts.failed += 1
            print("FAIL \(result.name): \(reason)")
        case .skipped(let reason):
            counts.skipped += 1
            if verbose { print("SKIP \(result.name): \(reason)") }
        case .skippedValueType(let reason):
            counts.valueType += 1
            print("SKIP \(result.name): \(reason)")
        }
    }
    print("ONNX node tests in \(suite.root):")
    print("\(counts.passed) passed, \(counts.failed) failed, \(counts.skipped + counts.valueType) skipped")
    print("skipped: \(counts.skipped) for an unsupported operator, \(counts.valueType) for a sequence or optional value")
    return counts.failed == 0
}

// Line-buffered stdout keeps the report and any error message in order when both go to one file.
setvbuf(stdout, nil, _IOLBF, 0)

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print(usage)
    exit(2)
}
do {
    let parsed = Arguments(arguments.dropFirst(2))
    switch arguments[1] {
    case "inspect": try inspect(parsed)
    case "run": try runModel(parsed)
    case "check": exit(try check(parsed) ? 0 : 1)
    case "conformance": exit(try conformance(parsed) ? 0 : 1)
    case "bench": try BenchCommand.run(parsed)
    case "demo":
        if parsed.options["help"] != nil {
            print(DemoCommand.usage)
        } else {
            try DemoCommand.run(parsed)
        }
    case "help", "--help", "-h": print(usage)
    default: fail("unknown command '\(arguments[1])'\n\(usage)")
    }
} catch {
    fputs("glam: \(error)\n", stderr)
    exit(1)
}
