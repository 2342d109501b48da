// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "libglam",
    products: [
        .library(name: "GlamRuntime", targets: ["GlamRuntime"]),
        .executable(name: "glam", targets: ["GlamCLI"]),
        // libGlamC.so; the Makefile installs it as libglam.so (its soname) next to glam.h.
        .library(name: "GlamC", type: .dynamic, targets: ["GlamCAPI"]),
    ],
    targets: [
        // OpenBLAS from Debian's libopenblas-dev, found through pkg-config.
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas"),

        // oneDNN from Debian's libdnnl-dev: fp32 GEMMs with CPU-specific kernels, bf16 matmul.
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),

        // Softmax and GELU with AVX-512 / AVX2 paths chosen at run time.
        .target(
            name: "CKernels",
            path: "Sources/CKernels",
            cSettings: [.unsafeFlags(["-O3"])],
            linkerSettings: [.linkedLibrary("dnnl")]
        ),

        // Debian's libonnx-dev ships only onnx-ml.pb.h, hence ONNX_ML.
        .target(
            name: "CONNX",
            path: "Sources/CONNX",
            cxxSettings: [
                .define("ONNX_NAMESPACE", to: "onnx"),
                .define("ONNX_ML", to: "1"),
            ],
            linkerSettings: [
                .linkedLibrary("onnx"),
                .linkedLibrary("onnx_proto"),
                .linkedLibrary("protobuf"),
            ]
        ),

        .target(
            name: "GlamRuntime",
            dependencies: ["CONNX", "COpenBLAS", "CDNNL", "CKernels"],
            path: "Sources/GlamRuntime"
        ),

        // GLAM's mammography preprocessing and its geometry; no graph code, no C dependencies.
        .target(
            name: "GlamMammography",
            path: "Sources/GlamMammography"
        ),

        // The GLAM pipeline in Swift: bundle loading, preprocessing, encoder, alignment, geometry.
        .target(
            name: "GlamPipeline",
            dependencies: ["GlamRuntime", "GlamMammography"],
            path: "Sources/GlamPipeline"
        ),

        // The public header as a Clang module, so the ABI layer uses the header's own types.
        .systemLibrary(name: "CGlamABI", path: "Sources/CGlamABI"),

        // The C ABI (Include/glam.h), built as libglam.so.
        .target(
            name: "GlamCAPI",
            dependencies: ["CGlamABI", "GlamPipeline"],
            path: "Sources/GlamCAPI",
            linkerSettings: [.unsafeFlags(["-Xlinker", "-soname=libglam.so"])]
        ),

        // libpng from Debian's libpng-dev.
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng"),

        // PNG and PGM reading and writing for the command line, examples and tests.
        .target(
            name: "GlamImageIO",
            dependencies: ["CPNG"],
            path: "Sources/GlamImageIO"
        ),

        .executableTarget(
            name: "GlamCLI",
            dependencies: ["GlamRuntime", "GlamPipeline", "GlamMammography", "GlamImageIO"],
            path: "Sources/GlamCLI"
        ),

        // A weak link to libFuzzer's driver for the fuzz targets.
        .target(name: "CFuzzSupport", path: "Sources/CFuzzSupport"),

        // What the fuzz targets share: input reading and the libFuzzer entry.
        .target(name: "GlamFuzzSupport", dependencies: ["CFuzzSupport"], path: "Sources/GlamFuzzSupport"),

        // libFuzzer target for the ONNX loader and planner (make fuzz-loader).
        .executableTarget(
            name: "GlamFuzzLoader",
            dependencies: ["GlamRuntime", "GlamFuzzSupport", "CFuzzSupport"],
            path: "Sources/GlamFuzzLoader",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),

        // libFuzzer target for plan building with arbitrary input shapes (make fuzz).
        .executableTarget(
            name: "GlamFuzzPlan",
            dependencies: ["GlamRuntime", "GlamFuzzSupport", "CFuzzSupport"],
            path: "Sources/GlamFuzzPlan",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),

        // libFuzzer target for the C ABI's image descriptions and accessors (make fuzz).
        .executableTarget(
            name: "GlamFuzzABI",
            dependencies: ["GlamCAPI", "CGlamABI", "GlamFuzzSupport", "CFuzzSupport"],
            path: "Sources/GlamFuzzABI",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),

        .testTarget(
            name: "GlamMammographyTests",
            dependencies: ["GlamMammography", "GlamImageIO"],
            path: "Tests/GlamMammographyTests"
        ),

        .testTarget(
            name: "GlamPipelineTests",
            dependencies: ["GlamPipeline", "GlamMammography", "GlamImageIO", "GlamRuntime"],
            path: "Tests/GlamPipelineTests"
        ),

        .testTarget(
            name: "GlamRuntimeTests",
            dependencies: ["GlamRuntime", "CGlamABI"],
            path: "Tests/GlamRuntimeTests"
        ),
    ],
    cxxLanguageStandard: .cxx17
)
