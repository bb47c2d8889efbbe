// BestOfScoreTests: best-of-N by the student's likelihood or by a user's script: each keeps its own planted best,
// the score is part of the transfer set's key, and a bad script or setting is one clear error.
import CondenseCore
import Foundation
import Generate
import Testing
import TestSupport
@testable import Distill

@Suite struct BestOfScoreTests {
    let seq = SequenceTests()

    /// An executable shell script in a fresh folder.
    func script(_ body: String) throws -> String {
        let path = TestSupport.tempDir("best-of-script").appendingPathComponent("score.sh").path
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    func prepare(_ c: DistillConfig, student: ModelFile? = nil, dir: String) throws -> (TransferSet, TransferSummary) {
        let corpus = try CharCorpus()
        let v = corpus.vocabulary.count
        let teacher = seq.gpt(v, layers: 2, seed: 2)
        return try TransferSet.prepare(c, teachers: [teacher], scorer: OnlineTeacher(teacher), student: student ?? seq.gpt(v, seed: 1),
                                       data: .text(corpus), dir: dir)
    }

    /// A student's greedy continuation, planted among random ones, is the one the student scores highest (each token
    /// is its most likely), whatever the teacher thinks of it.
    @Test func theStudentScoreKeepsTheStudentsPlantedBest() throws {
        let v = 11
        let student = seq.gpt(v, seed: 9)
        for p in student.parameters.values { p.scale(3) }  // a peaked student
        let prompt: [Int32] = [4, 0, 7]
        var greedy = SamplingOptions(); greedy.temperature = 0
        let best = prompt + (try Generate.generate(makeNetwork(student) as! GPT, prompts: [prompt],
                                                   options: GenerationOptions(tokens: 5, sampling: greedy))).ids[0]
        var rng = RNG(seed: 8)
        var candidates = (0..<5).map { _ in prompt + (0..<5).map { _ in Int32(rng.below(v)) } }
        candidates.insert(best, at: 4)
        let scores = try BestOfScore.likelihood(OnlineTeacher(student)).scores(candidates, promptLength: 3)
        #expect(bestOfN(scores) == 4, "scores \(scores)")
    }

    /// The script is given the candidates as JSON lines; this one scores each by its line number, so the last of every
    /// prompt's N is kept, and the kept set is exactly those candidates.
    @Test func aScriptsScoresChooseTheKeptSamples() throws {
        var c = seq.config()
        c.best_of = "script"
        c.best_of_script = try script("awk 'BEGIN { n = 0 } { n += 1; print n }' \"$1\"")
        let dir = TestSupport.tempDir("best-of-run").path
        let (set, summary) = try prepare(c, dir: dir)
        // 8 prompts × N = 3 candidates: the kept ones are lines 3, 6, …, 24, whose scores are those line numbers.
        #expect(summary.origin == "generated" && set.scores == (1...8).map { Double(3 * $0) }, "\(set.scores)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/best-of-candidates.jsonl"), "the candidates file is removed")
        // The same candidates scored by the teacher keep other samples: the script's choice is what the set holds.
        var t = seq.config()
        let (byTeacher, _) = try prepare(t, dir: TestSupport.tempDir("best-of-teacher").path)
        #expect(byTeacher.key != set.key)
        t.best_of = "student"
        let (byStudent, s2) = try prepare(t, dir: dir)
        #expect(s2.origin == "generated" && byStudent.key != set.key && byStudent.key != byTeacher.key)
    }

    @Test func theScriptReceivesPromptAndContinuationText() throws {
        // The script echoes 1 when a line carries both fields as decoded text of the right lengths (3 and 5 characters).
        let check = "python3 -c 'import json,sys\nfor l in open(sys.argv[1]):\n d=json.loads(l); print(1 if len(d[\"prompt\"])==3 and len(d[\"continuation\"])==5 else 0)' \"$1\""
        var c = seq.config()
        c.best_of = "script"; c.best_of_script = try script(check)
        let (set, _) = try prepare(c, dir: TestSupport.tempDir("best-of-text").path)
        #expect(set.scores.allSatisfy { $0 == 1 }, "\(set.scores)")
    }

    @Test func aBadScriptOrSettingIsOneClearError() throws {
        func fails(_ body: String) throws -> String {
            var c = seq.config()
            c.best_of = "script"; c.best_of_script = try script(body)
            return seq.message { _ = try prepare(c, dir: TestSupport.tempDir("best-of-bad").path) }
        }
        #expect(try fails("echo 1").contains("expected 24 scores (one line per candidate), found 1 lines"))
        #expect(try fails("awk '{ print \"x\" }' \"$1\"").contains("line 1 of its output: expected a finite number, found \"x\""))
        #expect(try fails("awk '{ print \"nan\" }' \"$1\"").contains("expected a finite number, found \"nan\""))
        #expect(try fails("exit 3").contains("expected the best-of-N scoring script to exit with status 0, found status 3"))
        var c = seq.config()
        c.best_of = "script"; c.best_of_script = "/nonexistent/score.sh"
        #expect(seq.message { _ = try prepare(c, dir: TestSupport.tempDir("best-of-missing").path) }
                    .contains("best_of_script: expected a readable executable, found \"/nonexistent/score.sh\""))
        c = seq.config(); c.best_of = "longest"
        #expect(seq.message { try c.validate() } == "distill: best_of: expected teacher, student, script, found \"longest\"")
        c = seq.config(); c.best_of = "script"
        #expect(seq.message { try c.validate() }.contains("best_of_script: expected the path of the scoring executable"))
        c = DistillConfig(); c.best_of = "student"
        #expect(seq.message { try c.validate() }.contains("best_of: expected its default"))
        let r = try TestSupport.condense(["distill", "s.h5", "--teacher", "t.h5", "-o", "o.h5", "--best-of", "student"])
        #expect(r.stderr.contains("distill: --best-of: expected --method sequence (the option applies to it only), found --method soft"), "\(r.stderr)")
    }
}
