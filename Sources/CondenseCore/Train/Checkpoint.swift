// Checkpoint: a training run's complete state in one HDF5 file (weights, AdamW moments, sampler, RNG, curves).
import Foundation
import HDF5

/// Everything except tensors, stored as JSON in the checkpoint's `train_state` attribute.
public struct TrainState: Codable, Equatable {
    /// Optimizer steps completed.
    public var step: Int
    public var sampler: JSONValue
    public var dropoutRNG: [UInt64]
    public var bestMetric: Double?
    public var bestStep: Int?
    public var curve: [CurvePoint]
    /// The resolved training config the run was started with (a resume must match it).
    public var config: JSONValue
    /// Wall time spent in earlier sessions of this run.
    public var elapsed: Double
}

/// One point of a training curve: train loss at a step, with validation results when evaluated there.
public struct CurvePoint: Codable, Equatable, Sendable {
    public var step: Int
    public var train_loss: Double
    public var lr: Double
    public var val_loss: Double?
    public var val_metric: Double?
}

public enum Checkpoint {
    /// Writes weights, moments and state atomically to `path`; `extra` (a method's trainable parameters and their
    /// optimizer) goes under `extra/`, `extra_adam_m/`, `extra_adam_v/`, with its step count in `extra_adam_t`.
    public static func write(to path: String, net: Network, optimizer: AdamW, state: TrainState,
                             extra: (ParameterStore, AdamW)? = nil) throws {
        try writeAtomically(to: path) { tmp in
            let f = try HDF5.File(create: tmp)
            let root = try f.root
            try root.setAttribute("condense_checkpoint", int: 1)
            try root.setAttribute("architecture", string: net.architecture.json())
            try root.setAttribute("adam_t", int: Int64(optimizer.t))
            // Encoded directly: RNG words are UInt64, which a round trip through JSONValue (Double) would round.
            try root.setAttribute("train_state", string: String(decoding: try JSONEncoder().encode(state), as: UTF8.self))
            for (i, name) in net.params.names.enumerated() {
                let shape = net.params.values[i].shape
                try root.createDataset("model/" + name, shape: shape, data: UnsafeBufferPointer(net.params.values[i].buffer))
                try root.createDataset("adam_m/" + name, shape: shape, data: UnsafeBufferPointer(optimizer.m[i].buffer))
                try root.createDataset("adam_v/" + name, shape: shape, data: UnsafeBufferPointer(optimizer.v[i].buffer))
            }
            if let (p, o) = extra {
                try root.setAttribute("extra_adam_t", int: Int64(o.t))
                for (i, name) in p.names.enumerated() {
                    let shape = p.values[i].shape
                    try root.createDataset("extra/" + name, shape: shape, data: UnsafeBufferPointer(p.values[i].buffer))
                    try root.createDataset("extra_adam_m/" + name, shape: shape, data: UnsafeBufferPointer(o.m[i].buffer))
                    try root.createDataset("extra_adam_v/" + name, shape: shape, data: UnsafeBufferPointer(o.v[i].buffer))
                }
            }
            try f.flush()
        }
    }

    /// Restores weights and moments into `net` and `optimizer` (same architecture), and the extra parameters and
    /// their moments when given (the checkpoint must hold them), and returns the state.
    public static func read(_ path: String, into net: Network, optimizer: AdamW,
                            extra: (ParameterStore, AdamW)? = nil) throws -> TrainState {
        let f = try HDF5.File(openReadOnly: path)
        let root = try f.root
        guard root.hasAttribute("condense_checkpoint") else {
            throw FormatError(file: path, "not a Condense training checkpoint")
        }
        let arch = try Architecture(json: try root.stringAttribute("architecture"), file: path)
        guard arch == net.architecture else {
            throw FormatError(file: path, path: "architecture",
                              "the checkpoint's model \(arch.json()) differs from the configured one \(net.architecture.json())")
        }
        for (i, name) in net.params.names.enumerated() {
            try root.dataset("model/" + name).read(into: net.params.values[i].buffer)
            try root.dataset("adam_m/" + name).read(into: optimizer.m[i].buffer)
            try root.dataset("adam_v/" + name).read(into: optimizer.v[i].buffer)
        }
        optimizer.t = Int(try root.intAttribute("adam_t"))
        if let (p, o) = extra {
            guard root.hasAttribute("extra_adam_t") else {
                throw FormatError(file: path, path: "extra", "the run trains extra parameters (\(p.names.joined(separator: ", "))) but this checkpoint holds none; start over with --force")
            }
            for (i, name) in p.names.enumerated() {
                try root.dataset("extra/" + name).read(into: p.values[i].buffer)
                try root.dataset("extra_adam_m/" + name).read(into: o.m[i].buffer)
                try root.dataset("extra_adam_v/" + name).read(into: o.v[i].buffer)
            }
            o.t = Int(try root.intAttribute("extra_adam_t"))
        }
        let text = try root.stringAttribute("train_state")
        do {
            return try JSONDecoder().decode(TrainState.self, from: Data(text.utf8))
        } catch {
            throw FormatError(file: path, path: "train_state", "malformed training state: \(error)")
        }
    }

    /// The step a checkpoint file was taken at, without loading it (nil if unreadable).
    public static func step(at path: String) -> Int? {
        guard let f = try? HDF5.File(openReadOnly: path), let root = try? f.root,
              let text = try? root.stringAttribute("train_state"),
              let s = try? JSONDecoder().decode(TrainState.self, from: Data(text.utf8)) else { return nil }
        return s.step
    }
}
