// Support: fixtures and the Python peer (the torch venv with keras, onnx, onnxruntime, transformers) for InteropTests.
import Foundation
import TestSupport
import XCTest

enum Peer {
    /// The venv python that has keras (torch backend), onnx, onnxruntime and transformers, or nil.
    /// CONDENSE_TORCH_PYTHON overrides; otherwise .venv-torch at the package root (tools/torch_env's location).
    static let python: String? = {
        let env = ProcessInfo.processInfo.environment["CONDENSE_TORCH_PYTHON"]
        let candidates = [env, TestSupport.packageRoot.appendingPathComponent(".venv-torch/bin/python").path].compactMap { $0 }
        for p in candidates where FileManager.default.isExecutableFile(atPath: p) {
            if let r = try? TestSupport.run(p, ["-c", "import keras, onnx, onnxruntime, transformers, safetensors"],
                                            environment: ["KERAS_BACKEND": "torch"]), r.status == 0 { return p }
        }
        return nil
    }()

    /// Skips the calling test when the venv is absent.
    static func require() throws -> String {
        guard let p = python else {
            throw XCTSkip("needs a Python with keras, onnx, onnxruntime, transformers and safetensors: set CONDENSE_TORCH_PYTHON or create .venv-torch (tools/torch_env, then pip install keras onnx onnxruntime transformers safetensors)")
        }
        return p
    }

    /// Runs `tools/NAME ARGS` with the venv python; throws with stderr on failure; returns stdout.
    @discardableResult
    static func tool(_ name: String, _ args: [String]) throws -> String {
        let py = try require()
        let r = try TestSupport.run(py, [TestSupport.packageRoot.appendingPathComponent("tools/\(name)").path] + args,
                                    cwd: TestSupport.packageRoot, environment: ["KERAS_BACKEND": "torch"])
        guard r.status == 0 else { throw PeerFailed(message: "tools/\(name) \(args) failed (\(r.status)):\n\(r.stderr)") }
        return r.stdout
    }
}

struct PeerFailed: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

enum Fixture {
    static func path(_ name: String) -> String {
        TestSupport.packageRoot.appendingPathComponent("Tests/InteropTests/Fixtures/\(name)").path
    }
}
