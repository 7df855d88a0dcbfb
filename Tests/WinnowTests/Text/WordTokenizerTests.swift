import XCTest
@testable import Winnow

final class WordTokenizerTests: XCTestCase {
    /// Every sentence of the committed fixture gets exactly the words datatrove's English tokenizer
    /// (spaCy) gave it; `Fixtures/make_word_tokens.py` made the fixture.
    func testMatchesDatatroveEnglishTokenizerOnFixture() throws {
        let path = "\(repoRoot)/Tests/WinnowTests/Fixtures/word_tokens.jsonl"
        let lines = String(decoding: try readFileBytes(path), as: UTF8.self).split(separator: "\n")
        XCTAssertGreaterThanOrEqual(lines.count, 30)
        var mismatches = 0
        for line in lines {
            let v = try JSONParser.parse(String(line))
            let text = v["text"]!.stringValue!
            let expected = v["words"]!.arrayValue!.map { $0.stringValue! }
            let got = WordTokenizer.english.words(text)
            if got != expected {
                mismatches += 1
                XCTFail("\(text.debugDescription)\n expected \(expected)\n      got \(got)")
            }
        }
        XCTAssertEqual(mismatches, 0)
    }

    func testSpecialCasesAreRejoinedAcrossPunctuation() {
        XCTAssertEqual(WordTokenizer.english.words("(Rep.) said so):"), ["(", "Rep.", ")", "said", "so", "):"])
        XCTAssertEqual(WordTokenizer.english.words(""), [])
        XCTAssertEqual(WordTokenizer.english.words(" \n\t "), [])
    }
}
