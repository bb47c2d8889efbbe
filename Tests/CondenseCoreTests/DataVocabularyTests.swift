// DataVocabularyTests: encode/decode and JSON round trips of the character vocabulary, and its errors.
import Testing
@testable import CondenseCore

@Suite struct DataVocabularyTests {
    @Test func encodeDecodeRoundTrip() throws {
        let vocab = try Vocabulary(characters: "\n !abcé→")
        #expect(vocab.count == 8)
        let ids = try vocab.encode("abc !\né→a")
        #expect(ids == [3, 4, 5, 1, 2, 0, 6, 7, 3])
        #expect(try vocab.decode(ids) == "abc !\né→a")
    }

    @Test func unknownCharacterNamesItAndItsOffset() throws {
        let vocab = try Vocabulary(characters: "ab ")
        let message = DataFixtures.dataError { _ = try vocab.encode("ab ba Z", source: "x.txt") }
        #expect(message == "x.txt: expected only characters of the 3-character vocabulary, found unknown character \"Z\" (U+005A) at offset 6")
        let tab = DataFixtures.dataError { _ = try vocab.encode("a\tb") }
        #expect(tab?.contains("\"\\t\" (U+0009) at offset 1") == true)
    }

    @Test func decodeRejectsIdsOutOfRange() throws {
        let vocab = try Vocabulary(characters: "ab")
        let message = DataFixtures.dataError { _ = try vocab.decode([0, 1, 2]) }
        #expect(message == "token ids: expected token ids in 0..<2, found id 2 at position 2")
    }

    @Test func jsonRoundTrip() throws {
        let vocab = try Vocabulary(characters: "\n \"/\\aé")
        let json = vocab.toJSON()
        #expect(json == #"["\n"," ","\"","/","\\","a","é"]"#)
        #expect(try Vocabulary(json: json) == vocab)
        // Python's json.dumps escapes non-ASCII; that must read the same.
        #expect(try Vocabulary(json: #"["\n", "a", "\u00e9"]"#).scalars == ["\n", "a", "é"])
    }

    @Test func badJSONIsAnError() {
        #expect(DataFixtures.dataError { _ = try Vocabulary(json: "{\"a\": 1}") }?
            .hasPrefix("vocabulary: expected a JSON array of one-character strings") == true)
        #expect(DataFixtures.dataError { _ = try Vocabulary(json: #"["a","bc"]"#) } ==
            "vocabulary: expected one character per array element, found 2 characters at index 1: \"bc\"")
        #expect(DataFixtures.dataError { _ = try Vocabulary(json: #"["a","b","a"]"#) } ==
            "vocabulary: expected distinct characters, found \"a\" (U+0061) at positions 0 and 2")
        #expect(DataFixtures.dataError { _ = try Vocabulary(json: "[]") } == "vocabulary: expected at least one character, found none")
    }
}
