// PruneDetails: the stage-specific part of the prune report: importance tables, layer scores, budget candidates, kept indices.
import CondenseCore

public struct PruneDetails: Codable, Sendable {
    public var family: String
    public var criterion: String
    public var layer_criterion: String?
    public var architecture_before: String
    public var architecture_after: String
    public var calibration_samples: Int
    public var calibration_tokens: Int
    /// GPT blocks: block influence and, for the loss criteria, the loss increase when the block alone is removed.
    public var layers: [LayerScore] = []
    /// `contiguous`: calibration loss with blocks start..<start+count removed.
    public var contiguous_windows: [WindowScore] = []
    /// Importance per unit, highest most important: heads [layer][head] (GPT), neurons [layer][neuron]
    /// (GPT ffn or MLP hidden), channels [n_embd] (GPT).
    public var heads: [[Double]] = []
    public var neurons: [[Double]] = []
    public var channels: [Double] = []
    /// `target_params`: every candidate architecture scored, the chosen one marked.
    public var budget: Int?
    public var candidates: [Candidate] = []
    public var kept_gpt: GPTKept?
    public var kept_mlp: MLPKept?
    /// Validation loss (the metric for language models; beside accuracy for classifiers).
    public var val_loss_before: Double?
    public var val_loss_after: Double?
}

public struct LayerScore: Codable, Sendable {
    public var index: Int
    public var block_influence: Double
    public var loss_increase: Double?
    public var kept: Bool
}

public struct WindowScore: Codable, Sendable {
    public var start: Int
    public var count: Int
    public var loss: Double
}

public struct Candidate: Codable, Sendable {
    public var layers: Int?
    public var heads: Int?
    public var embd: Int?
    public var ffn: Int?
    public var hidden: [Int]?
    public var params: Int
    public var val_loss: Double
    public var chosen: Bool
}
