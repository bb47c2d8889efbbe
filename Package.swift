// swift-tools-version:6.1
// Condense: prune, distill and INT8-quantize neural networks, natively in Swift.
import Foundation
import PackageDescription

// Hot numeric modules are built without bounds/overflow checks and exclusivity checks in release builds.
// The choice and its measurement are recorded in docs/PERFORMANCE.md ("Release-build flags").
// CONDENSE_CHECKED_BUILD=1 builds them with plain -O instead, to measure the difference side by side.
let hotSwiftFlags: [SwiftSetting] = ProcessInfo.processInfo.environment["CONDENSE_CHECKED_BUILD"] == "1" ? [] : [
    .unsafeFlags(["-Ounchecked", "-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

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
    ],
    targets: [
        // System libraries, found through pkg-config. Each holds a header-only shim (static inline functions)
        // for what Swift cannot import directly (macros such as H5T_NATIVE_FLOAT).
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // INT8 GEMM micro-kernels, weight packing and run-time CPU dispatch.
        .target(name: "CInt8", cSettings: [.unsafeFlags(["-O3", "-fno-strict-aliasing"])]),

        // The only importer of CHDF5: Swift types that own hid_t handles.
        .target(name: "HDF5", dependencies: ["CHDF5"], swiftSettings: hotSwiftFlags),
        // Tensors, BLAS, RNG, layers, model families, optimizer, losses, data, model file format.
        .target(name: "CondenseCore", dependencies: ["HDF5", "CBLAS", "CZlib", "CInt8", .product(name: "Yams", package: "Yams")],
                swiftSettings: hotSwiftFlags),

        // One module per stage, each with one public entry point.
        .target(name: "Prune", dependencies: ["CondenseCore", "HDF5"], swiftSettings: hotSwiftFlags),
        .target(name: "Distill", dependencies: ["CondenseCore"], swiftSettings: hotSwiftFlags),
        .target(name: "Quantize", dependencies: ["CondenseCore"], swiftSettings: hotSwiftFlags),
        // Inference over GPTs: KV cache, batched prefill and decode, samplers, speculative decoding.
        .target(name: "Generate", dependencies: ["CondenseCore"], swiftSettings: hotSwiftFlags),
        // Recipes, resumable runs and reports over the three stages.
        .target(name: "Pipeline", dependencies: ["CondenseCore", "Prune", "Distill", "Quantize", "Generate", .product(name: "Yams", package: "Yams"),
                                                .product(name: "Crypto", package: "swift-crypto")]),

        .executableTarget(
            name: "condense",
            dependencies: [
                "CondenseCore", "Prune", "Distill", "Quantize", "Pipeline", "Generate",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ]),

        // Test helpers shared by the test targets: temp folders, running tools/ scripts and the built binary.
        .target(name: "TestSupport", dependencies: ["HDF5"], path: "Tests/TestSupport"),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "TestSupport"]),
        .testTarget(name: "CondenseCoreTests", dependencies: ["CondenseCore", "HDF5", "TestSupport"]),
        .testTarget(name: "CInt8Tests", dependencies: ["CInt8"]),
        .testTarget(name: "PruneTests", dependencies: ["Prune", "CondenseCore", "TestSupport"]),
        .testTarget(name: "DistillTests", dependencies: ["Distill", "CondenseCore", "TestSupport"]),
        .testTarget(name: "QuantizeTests", dependencies: ["Quantize", "CondenseCore", "TestSupport"]),
        .testTarget(name: "GenerateTests", dependencies: ["Generate", "CondenseCore", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "CondenseCore", "TestSupport"]),
        .testTarget(name: "condenseTests", dependencies: ["condense", "CondenseCore", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
