// swift-tools-version:6.1
// Condense: prune, distill and INT8-quantize neural networks, natively in Swift.
import Foundation
import PackageDescription

// Modules that read outside bytes (files, configs, flags) keep Swift's overflow and bounds checks in release builds,
// so an unforeseen overflow traps instead of wrapping. Generate, which reads no file (it decodes a GPT already loaded
// and validated), is built without them (-Ounchecked), and so is CondenseCore, whose plain -O build Swift 6.3.1
// miscompiles (see its target). The kernels themselves are C (CInt8, -O3) and
// OpenBLAS. Measured side by side, checked CondenseCore/Prune/Distill/Quantize cost 0.4-1.4 % of a training step
// (within the rounds' spread): docs/PERFORMANCE.md ("Release-build flags").
// CONDENSE_CHECKED_BUILD=1 builds Generate with plain -O too, to measure the difference side by side.
let hotSwiftFlags: [SwiftSetting] = ProcessInfo.processInfo.environment["CONDENSE_CHECKED_BUILD"] == "1" ? [] : [
    .unsafeFlags(["-Ounchecked", "-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

// CONDENSE_FUZZ=1 adds condense-fuzz, the libFuzzer harnesses of Fuzz/ (tools/fuzz builds them with
// -sanitize=fuzzer,address in .build/fuzz; docs/notes/fuzzing.md). The normal build never sees that target.
let fuzzTargets: [Target] = ProcessInfo.processInfo.environment["CONDENSE_FUZZ"] == "1" ? [
    .executableTarget(name: "condense-fuzz", dependencies: ["CondenseCore", "Pipeline"], path: "Fuzz",
                      swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
] : []

let package = Package(
    name: "Condense",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "condense", targets: ["condense"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // System libraries, found through pkg-config. Each holds a header-only shim (static inline functions)
        // for what Swift cannot import directly (macros such as H5T_NATIVE_FLOAT).
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // (CZlibSystem, not CZlib: ZIPFoundation ships a zlib module of that name.)
        .systemLibrary(name: "CZlibSystem", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Open MPI's entry points, loaded with dlopen only when mpirun launched the process (docs/ARCHITECTURE.md,
        // "Distributed"): no link-time dependency on libmpi, so a single-process run needs no MPI installed.
        .target(name: "CMPI"),
        // INT8 GEMM micro-kernels, weight packing and run-time CPU dispatch.
        .target(name: "CInt8", cSettings: [.unsafeFlags(["-O3", "-fno-strict-aliasing"])]),

        // The only importer of CHDF5: Swift types that own hid_t handles.
        .target(name: "HDF5", dependencies: ["CHDF5"]),
        // Tensors, BLAS, RNG, layers, model families, optimizer, losses, data, model file format.
        .target(name: "CondenseCore", dependencies: ["HDF5", "CBLAS", "CZlibSystem", "CInt8", .product(name: "Yams", package: "Yams"),
                                                    .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                                                    .product(name: "CSV", package: "CSV.swift"),
                                                    .product(name: "Crypto", package: "swift-crypto")],
                // Built -Ounchecked: with plain -O, Swift 6.3.1 miscompiles text evaluation's error path (every
                // `condense eval` of a GPT on text segfaulted in swift_retain of a garbage error register; the same
                // source is correct in debug and -Ounchecked builds). See docs/PERFORMANCE.md, "Release-build flags".
                swiftSettings: hotSwiftFlags),

        // One module per stage, each with one public entry point.
        .target(name: "Prune", dependencies: ["CondenseCore", "HDF5"]),
        .target(name: "Distill", dependencies: ["CondenseCore", "Generate"]),
        .target(name: "Quantize", dependencies: ["CondenseCore"]),
        // Inference over GPTs: KV cache, batched prefill and decode, samplers, speculative decoding.
        .target(name: "Generate", dependencies: ["CondenseCore", "CInt8"], swiftSettings: hotSwiftFlags),
        // Other frameworks' formats: Keras in and out, ONNX and Hugging Face GPT-2 export; the one model loader.
        .target(name: "Interop", dependencies: ["CondenseCore", "HDF5", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                                               .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // Data-parallel runs under mpirun: the MPI GradientReducer, bucketed all-reduce, the digest check at start.
        // The only importer of CMPI.
        .target(name: "Distributed", dependencies: ["CondenseCore", "CMPI", .product(name: "Crypto", package: "swift-crypto")]),
        // Recipes, resumable runs and reports over the three stages.
        .target(name: "Pipeline", dependencies: ["CondenseCore", "Prune", "Distill", "Quantize", "Generate", "Interop", .product(name: "Yams", package: "Yams"),
                                                .product(name: "Crypto", package: "swift-crypto")]),

        .executableTarget(
            name: "condense",
            dependencies: [
                "CondenseCore", "Prune", "Distill", "Quantize", "Pipeline", "Generate", "Interop", "Distributed",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ]),

        // Test helpers shared by the test targets: temp folders, running tools/ scripts and the built binary.
        .target(name: "TestSupport", dependencies: ["HDF5"], path: "Tests/TestSupport"),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "TestSupport"]),
        .testTarget(name: "CondenseCoreTests", dependencies: ["CondenseCore", "HDF5", "TestSupport"]),
        .testTarget(name: "CInt8Tests", dependencies: ["CInt8", "TestSupport"]),
        .testTarget(name: "PruneTests", dependencies: ["Prune", "CondenseCore", "TestSupport"]),
        .testTarget(name: "DistillTests", dependencies: ["Distill", "CondenseCore", "Generate", "HDF5", "TestSupport"]),
        .testTarget(name: "QuantizeTests", dependencies: ["Quantize", "CondenseCore", "TestSupport"]),
        .testTarget(name: "GenerateTests", dependencies: ["Generate", "CondenseCore", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "CondenseCore", "TestSupport"]),
        .testTarget(name: "InteropTests", dependencies: ["Interop", "CondenseCore", "HDF5", "TestSupport"]),
        .testTarget(name: "DistributedTests", dependencies: ["Distributed", "CondenseCore", "HDF5", "TestSupport"]),
        .testTarget(name: "condenseTests", dependencies: ["condense", "CondenseCore", "TestSupport"]),
    ] + fuzzTargets,
    swiftLanguageModes: [.v5]
)
