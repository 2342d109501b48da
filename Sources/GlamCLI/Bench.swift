#if canImport(Glibc)
import Glibc
#endif
import GlamRuntime

/// `glam bench`: load, plan and run times of one ONNX model, for the benchmark script.
enum BenchCommand {
    static let usage = """
    usage: glam bench MODEL.onnx [--shape NAME=D0xD1x...] [--warmup 1] [--warmup-seconds 0]
                      [--repeat 5] [--threads N]
                      [--gemm onednn|openblas] [--precision fp32|bf16] [--profile 1|steps]
    Warms up with --warmup runs, continuing until --warmup-seconds have passed.
    Feeds zeros-to-one ramp inputs of the bound shapes and prints load_s, plan_s, each run's
    seconds, median_s, peak_rss_bytes, arena_bytes; with --profile, seconds per op type, and
    with --profile steps also seconds, GFLOP/s and output shape per step. With
    --precision bf16 it also runs an fp32 plan once and prints, per output, the cosine against it
    (for 2-D outputs such as embeddings, the lowest cosine of any row).
    """

    static func run(_ arguments: Arguments) throws {
        guard let path = arguments.positional.first else { throw CLIError(usage) }
        arguments.requireOnly(["shape", "warmup", "warmup-seconds", "repeat", "threads", "gemm", "profile", "precision"], usage: usage)
        let precisionName = arguments.options["precision"]?.last ?? "fp32"
        guard precisionName == "fp32" || precisionName == "bf16" else {
            throw CLIError("--precision '\(precisionName)' must be fp32 or bf16")
        }
        let precision: PlanOptions.Precision = precisionName == "bf16" ? .bfloat16 : .float32
        arguments.applyThreads()
        if let backend = arguments.options["gemm"]?.last {
            guard let chosen = Threading.GEMMBackend(rawValue: backend) else {
                throw CLIError("--gemm '\(backend)' must be onednn or openblas")
            }
            Threading.gemmBackend = chosen
        }
        let shapes = arguments.shapes()
        let warmup = Int(arguments.options["warmup"]?.last ?? "1") ?? 1
        let warmupSeconds = Double(arguments.options["warmup-seconds"]?.last ?? "0") ?? 0
        let repeats = max(1, Int(arguments.options["repeat"]?.last ?? "5") ?? 5)

        var start = Clock.seconds()
        let model = try ModelImporter.load(path: path)
        let loadSeconds = Clock.seconds() - start
        start = Clock.seconds()
        let plan = try Plan(model: model, binding: InputBinding(shapes: shapes), options: PlanOptions(precision: precision))
        let planSeconds = Clock.seconds() - start

        var feeds: [String: Tensor] = [:]
        for input in plan.inputs {
            let tensor = try Tensor(dataType: input.type.dataType, shape: input.type.shape)
            if input.type.dataType == .float {
                let values = tensor.pointer(as: Float.self)
                for index in 0..<tensor.count { values[index] = Float(index % 1000) / 1000 }
            }
            feeds[input.name] = tensor
        }

        // A VM's second vCPU can take several runs to come up to speed after the single-threaded
        // load, so short models are warmed for a time as well as a count.
        let warmupStart = Clock.seconds()
        var warmed = 0
        while warmed < warmup || Clock.seconds() - warmupStart < warmupSeconds {
            _ = try plan.run(feeds)
            warmed += 1
        }
        let profile = arguments.options["profile"] != nil ? Profile() : nil
        // Outputs are read in place and `times` is sized up front, so the timed loop allocates
        // only what the plan itself does (Tests/allocation-check.sh counts it).
        var times: [Double] = []
        times.reserveCapacity(repeats)
        let allocationsBefore = allocationCount()
        for _ in 0..<repeats {
            start = Clock.seconds()
            try plan.run(feeds, profile: profile, readingOutputs: { _ in })
            times.append(Clock.seconds() - start)
        }
        let allocationsAfter = allocationCount()
        print("load_s \(loadSeconds)")
        print("plan_s \(planSeconds)")
        print("runs_s \(times.map { String($0) }.joined(separator: " "))")
        print("median_s \(times.sorted()[times.count / 2])")
        print("peak_rss_bytes \(Clock.peakResidentBytes())")
        print("arena_bytes \(plan.arenaByteCount)")
        if let allocationsBefore, let allocationsAfter {
            print("allocations_per_run \(Double(allocationsAfter - allocationsBefore) / Double(repeats))")
        }
        print("threads \(Threading.threadCount) gemm \(Threading.gemmBackend.rawValue) precision \(precisionName)")
        if precision == .bfloat16 {
            let reduced = try plan.run(feeds)
            let reference = try Plan(model: model, inputShapes: shapes).run(feeds)
            for (name, tensor) in reduced.sorted(by: { $0.key < $1.key }) where tensor.dataType == .float {
                guard let exact = reference[name] else { continue }
                print("bf16_cosine \(name) \(lowestRowCosine(tensor, exact))")
            }
        }
        if let profile {
            let total = profile.secondsByOpType.values.reduce(0, +)
            for (opType, seconds) in profile.secondsByOpType.sorted(by: { $0.value > $1.value }) {
                print("profile \(opType) \(seconds / Double(repeats)) s (\(Int((seconds / total * 100).rounded()))%)")
            }
            if arguments.options["profile"]?.last == "steps" {
                for (index, step) in plan.stepSummaries.enumerated() {
                    let seconds = (profile.secondsByStep[index] ?? 0) / Double(repeats)
                    let rate = seconds > 0 ? Double(step.flops) / seconds / 1e9 : 0
                    print("step \(index) \(step.domain.isEmpty ? "" : step.domain + ":")\(step.opType) \(step.outputShapes.first ?? []) "
                          + "\(seconds) s \((rate * 10).rounded() / 10) GFLOP/s")
                }
            }
        }
    }
}

/// The cosine of two FLOAT tensors; for rank-2 tensors, the lowest cosine of any row.
func lowestRowCosine(_ a: Tensor, _ b: Tensor) -> Double {
    let x = a.pointer(as: Float.self)
    let y = b.pointer(as: Float.self)
    let rows = a.rank == 2 ? a.shape[0] : 1
    let width = rows == 0 ? 0 : a.count / rows
    var lowest = 1.0
    for row in 0..<rows {
        var dot = 0.0, normA = 0.0, normB = 0.0
        for index in (row * width)..<((row + 1) * width) {
            dot += Double(x[index]) * Double(y[index])
            normA += Double(x[index]) * Double(x[index])
            normB += Double(y[index]) * Double(y[index])
        }
        let denominator = (normA * normB).squareRoot()
        lowest = min(lowest, denominator == 0 ? 1 : dot / denominator)
    }
    return lowest
}

/// Returns the number of heap allocations so far when the process runs under
/// Tests/c/malloc_counter.c (LD_PRELOAD), or nil otherwise.
func allocationCount() -> Int? {
    guard let symbol = dlsym(nil, "malloc_counter_total") else { return nil }
    typealias Counter = @convention(c) () -> Int
    return unsafeBitCast(symbol, to: Counter.self)()
}
