// DistillDetails: the stage-specific part of the distill report: the teacher(s), the student before and after, the
// search, the final run and its curve, the baseline, the cache and the method's own settings.
import CondenseCore
import Foundation

public struct DistillDetails: Codable, Sendable {
    public struct Member: Codable, Sendable {
        public var params: Int
        public var digest: String
        /// Normalised weight in the ensemble.
        public var weight: Double
        public var val: EvalResult
    }
    public struct TeacherSummary: Codable, Sendable {
        /// The teacher's (the ensemble's) validation result.
        public var val: EvalResult
        public var params: Int
        public var digest: String
        /// An ensemble's members (absent for one teacher).
        public var members: [Member]?
    }
    public struct SearchSummary: Codable, Sendable {
        public var steps: Int
        public var rung0_steps: Int
        public var seconds: Double
        public var candidates: Int
        public var eta: Int
    }
    public struct FinalSummary: Codable, Sendable {
        public var steps: Int
        public var best_step: Int?
        public var seconds: Double
        public var resumed: Bool
    }
    public struct Baseline: Codable, Sendable {
        public var val: EvalResult
        public var steps: Int
        public var seen: Int
        public var seconds: Double
        /// The baseline's best model (inside the run folder).
        public var model: String
    }
    public struct CacheSummary: Codable, Sendable {
        public var reused: Bool
        public var build_seconds: Double
        public var kind: String
        public var top_k: Int?
        public var rows_cached: Int
        public var lookup_seconds: Double
        public var misses: Int
        public var online_estimate_seconds: Double
        public var seconds_saved: Double
    }
    public struct HiddenSummary: Codable, Sendable {
        public var loss: String
        public var weight: Double
        /// [student block, teacher block] pairs.
        public var map: [[Int]]
        public var projection: Bool
    }
    public struct HardSummary: Codable, Sendable {
        public var mix: Double
        /// The sampling temperature of text labels (0: top-1); images always take the top-1 class.
        public var temperature: Double
    }

    /// One network of a mutual run after training (the student first).
    public struct MutualNetwork: Codable, Sendable {
        public var name: String
        public var params: Int
        public var val: EvalResult
        /// Its model file inside the run folder (the student's: best.h5 by validation; a peer's: its last step).
        public var model: String
    }
    public struct MutualSummary: Codable, Sendable {
        public var alpha: Double
        public var temperature: Double
        public var networks: [MutualNetwork]
    }

    public var method: DistillMethodName
    /// The teacher (nil for mutual learning, which has none).
    public var teacher: TeacherSummary?
    public var student_before: EvalResult
    public var student_after: EvalResult
    public var gap_recovered: Double?
    /// The searched α and T the final run used (nil when the method searches nothing).
    public var chosen: Candidate?
    public var sweep: [SweepRow]
    public var search: SearchSummary
    public var final: FinalSummary
    public var total_steps: Int
    /// Examples or tokens the student saw (search and final run), in `seen_unit`.
    public var seen: Int
    public var seen_unit: String
    public var teacher_seconds: Double
    public var baseline: Baseline?
    public var run_dir: String
    public var cache: CacheSummary?
    public var hidden: HiddenSummary?
    public var hard: HardSummary?
    public var transfer: TransferSummary?
    public var on_policy: OnPolicySummary?
    public var mutual: MutualSummary?
    /// compare: every method's result (in the winner's report).
    public var comparison: DistillComparison?
    /// Text: how the final student generates for the teacher (its samples' NLL under the teacher, as a draft), and
    /// the scratch baseline's; nil for images or with generation_samples 0.
    public var generation: GenerationMetrics?
    public var baseline_generation: GenerationMetrics?
    /// The final run's curve, and the scratch baseline's.
    public var curve: [CurvePoint]
    public var baseline_curve: [CurvePoint]?

    /// Decodes a distill stage report's details.
    public init(report: StageReport) throws {
        self = try JSONDecoder().decode(DistillDetails.self, from: JSONEncoder().encode(report.details))
    }

    init(method: DistillMethodName, teacher: TeacherSummary?, student_before: EvalResult, student_after: EvalResult,
         search: SearchResult, final: FinalSummary, total_steps: Int, seen: Int, seen_unit: String, teacher_seconds: Double,
         run_dir: String, curve: [CurvePoint]) {
        self.method = method; self.teacher = teacher; self.student_before = student_before; self.student_after = student_after
        sweep = search.rows
        self.search = SearchSummary(steps: search.steps, rung0_steps: search.rung0_steps, seconds: search.seconds, candidates: 0, eta: 0)
        self.final = final; self.total_steps = total_steps; self.seen = seen; self.seen_unit = seen_unit
        self.teacher_seconds = teacher_seconds; self.run_dir = run_dir; self.curve = curve
    }
}
