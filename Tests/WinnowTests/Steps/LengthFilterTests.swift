import XCTest
@testable import Winnow

final class LengthFilterTests: XCTestCase {
    private func apply(_ text: String, _ configure: (inout LengthFilter.Parameters) -> Void) -> (StepResult, Annotations) {
        var p = LengthFilter.Parameters()
        configure(&p)
        var doc = Document(id: "d", text: text, source: "s")
        let r = LengthFilter(parameters: p).apply(&doc)
        return (r, doc.annotations)
    }

    func testBoundsAreInclusive() {
        XCTAssertEqual(apply("abcde") { $0.minChars = 5 }.0, .keep)
        XCTAssertEqual(apply("abcd") { $0.minChars = 5 }.0, .drop(reason: "min_chars"))
        XCTAssertEqual(apply("abcde") { $0.maxChars = 5 }.0, .keep)
        XCTAssertEqual(apply("abcdef") { $0.maxChars = 5 }.0, .drop(reason: "max_chars"))
        XCTAssertEqual(apply("one two three") { $0.minWords = 3 }.0, .keep)
        XCTAssertEqual(apply("one two") { $0.minWords = 3 }.0, .drop(reason: "min_words"))
        XCTAssertEqual(apply("one two three four") { $0.maxWords = 3 }.0, .drop(reason: "max_words"))
    }

    func testCountsScalarsAndUnicodeWhitespace() {
        let (_, a) = apply("ção\u{3000}日本\u{00A0}😀 e\u{301}\n\tx") { _ in }
        // Scalars: ç ã o ␣ 日 本 ␣ 😀 ␣ e ◌́ \n \t x = 14; words: ção, 日本, 😀, é, x = 5.
        XCTAssertEqual(a["chars"], .int(14))
        XCTAssertEqual(a["words"], .int(5))
        XCTAssertTrue(TextStats.charsAndWords("") == (0, 0))
        // Against a reference over Unicode scalars, on random mixes of every White_Space character.
        let pieces: [String] = ["a", "é", "日本", "😀", "ok", "e\u{301}"] + [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2005, 0x200A,
            0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0x200B, 0x180E, 0x2060].map { String(Unicode.Scalar($0)!) }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let s = (0..<Int.random(in: 0...30, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            var words = 0, inWord = false
            for u in s.unicodeScalars {
                if u.properties.isWhitespace { inWord = false } else if !inWord { inWord = true; words += 1 }
            }
            XCTAssertTrue(TextStats.charsAndWords(s) == (s.unicodeScalars.count, words), s.debugDescription)
        }
        XCTAssertTrue(TextStats.charsAndWords("  \n ") == (4, 0))
    }
}

final class ExactDedupTests: XCTestCase {
    func testNormalisationModes() {
        let lower = ExactDedup()
        XCTAssertEqual(lower.normalized("  Hello\n\n WORLD  "), Array("hello world".utf8))
        var p = ExactDedup.Parameters(); p.normalize = .whitespace
        XCTAssertEqual(ExactDedup(parameters: p).normalized(" Hello \t World"), Array("Hello World".utf8))
        p.normalize = .none
        XCTAssertEqual(ExactDedup(parameters: p).normalized(" a "), Array(" a ".utf8))
    }

    func testKeepsFirstInOrderAndPointsCopiesAtIt() throws {
        let step = ExactDedup()
        let r = step.makeReducer()
        let docs = [("a", "Same text"), ("b", "other"), ("c", "same   TEXT"), ("d", "other")]
        for (i, (id, text)) in docs.enumerated() {
            let key = step.key(for: Document(id: id, text: text, source: "s"))
            key.withUnsafeBytes { r.consume(order: i, docID: id, key: $0) }
        }
        let d = try r.finish()
        XCTAssertEqual(d, [2: BarrierDecision(reason: "duplicate", dupOf: "a"), 3: BarrierDecision(reason: "duplicate", dupOf: "b")])
    }
}
