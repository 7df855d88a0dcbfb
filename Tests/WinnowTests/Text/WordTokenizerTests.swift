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

    func testScriptsWithoutSpacesAreSegmented() {
        func seg(_ t: String) -> [String] { UnspacedScripts.segment(WordTokenizer.english.words(t)) }
        // One enormous English "word" becomes characters; punctuation and other scripts stay apart.
        XCTAssertEqual(WordTokenizer.english.words("我们今天去公园散步。"), ["我们今天去公园散步", "。"])
        XCTAssertEqual(seg("我们今天去公园散步。"), ["我", "们", "今", "天", "去", "公", "园", "散", "步", "。"])
        XCTAssertEqual(seg("コンピューターを使う"), ["コンピューター", "を", "使", "う"])
        XCTAssertEqual(seg("です。Текст ok"), ["で", "す", "。", "Текст", "ok"])
        // Thai: a base character keeps its combining marks (ไม่ = ไ + ม + ่ → "ไ", "ม่").
        XCTAssertEqual(seg("ไม่มี"), ["ไ", "ม่", "มี"])
        // Korean uses spaces and is left alone; so is every other script.
        XCTAssertEqual(seg("한국어 문장입니다 naïve"), ["한국어", "문장입니다", "naïve"])
        var doc = Document(id: "1", text: "東京は大きい", source: "s")
        XCTAssertEqual(doc.words(segmentUnspaced: true).count, 6)
        XCTAssertEqual(doc.words().count, 1)
        XCTAssertFalse(UnspacedScripts.present(in: "Plain text — with a dash, “quotes” and Ελληνικά."))
        XCTAssertTrue(UnspacedScripts.present(in: "mixed 東 text"))
    }
}
