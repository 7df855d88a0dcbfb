import XCTest
import Foundation
@testable import Winnow

/// Vietnamese words as datatrove 0.10.1 gives them for FineWeb-2's `vie_Latn` (spaCy's `vi` with pyvi 0.1.1): syllables
/// joined into words by pyvi's CRF model. Real text is checked by `SpacyStyleTokenizerTests` (the Declaration, written
/// with combining accents) and bench/fw2_parity.py (Debian's Vietnamese guide, manual pages and messages).
final class VietnameseWordsTests: XCTestCase {
    private func vietnamese() throws -> VietnameseWords { try VietnameseWords.load("\(repoRoot)/models/pyvi") }

    /// Sentences with datatrove's words (`load_word_tokenizer("vie_Latn").word_tokenize`): syllables the model joins
    /// (`sinh viên`, `Hà Nội`), e-mail addresses, URLs, grouped numbers, abbreviations (`TP.`, `Mr.`), whitespace kept
    /// inside a word and dropped between words, and decomposed accents, which Python's `\w` does not match.
    func testWordsArePyvis() throws {
        let vi = try vietnamese()
        let cases: [(String, [String])] = [
            ("Tôi là sinh viên Đại học Bách khoa Hà Nội.", ["Tôi", "là", "sinh viên", "Đại học", "Bách khoa", "Hà Nội", "."]),
            ("Liên hệ: nguyen.van.a@example.com.vn hoặc https://vi.wikipedia.org/wiki/Việt_Nam ngay!",
             ["Liên hệ", ":", "nguyen.van.a@example.com.vn", "hoặc", "https://vi.wikipedia.org/wiki/Việt_Nam", "ngay", "!"]),
            ("Giá 1.500.000 đồng, tăng 3,5% so với năm 2023... TP. Hồ Chí Minh và Tp. Đà Nẵng ==> Mr. Smith",
             ["Giá", "1.500.000", "đồng", ",", "tăng", "3,5", "%", "so", "với", "năm", "2023", "...", "TP.", "Hồ Chí Minh", "và", "Tp.", "Đà Nẵng", "==>", "Mr. Smith"]),
            ("Cộng hòa xã hội chủ nghĩa Việt Nam", ["Cộng hòa", "xã hội", "chủ nghĩa", "Việt Nam"]),
            ("Mọi người sinh ra đều được tự do".decomposedStringWithCanonicalMapping,
             ["Mo", "\u{323}", "i", "ngu", "\u{31B}", "o", "\u{31B}", "\u{300}", "i", "sinh", "ra", "đê", "\u{300}", "u đu", "\u{31B}", "o", "\u{31B}", "\u{323}", "c", "tu", "\u{31B}", "\u{323}", "do"]
                .map { $0.decomposedStringWithCanonicalMapping }),
            ("Người   dân\nViệt Nam yêu   hòa bình", ["Người", "dân", "Việt Nam", "yêu", "hòa bình"]),
            ("", []), ("  \n ", []),
        ]
        for (text, words) in cases { XCTAssertEqual(vi.words(text), words, text) }
        var d = Document(id: "1", text: "Cộng hòa xã hội chủ nghĩa Việt Nam", source: "s")
        XCTAssertEqual(d.words(language: "vi").count, 4)
    }

    /// A Vietnamese filter needs the model when it is built; a missing or damaged one is an error naming the file.
    func testModelIsNeededAndChecked() throws {
        let spec = try JSONParser.parse(#"{"type": "gopher_quality", "language": "vi"}"#).decode(StepSpec.self)
        XCTAssertNoThrow(try StepRegistry.build(spec, context: StepContext(baseDir: repoRoot)))
        let dir = NSTemporaryDirectory() + "winnow-pyvi-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertThrowsError(try VietnameseWords(folder: dir)) { XCTAssertTrue("\($0)".contains("tokenizer.crfsuite"), "\($0)") }
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: dir + "/tokenizer.crfsuite"))
        XCTAssertThrowsError(try VietnameseWords(folder: dir)) { XCTAssertTrue("\($0)".contains("not a CRFsuite model"), "\($0)") }
        // Cut short: the string tables point past the end.
        let model = try Data(contentsOf: URL(fileURLWithPath: "\(repoRoot)/models/pyvi/tokenizer.crfsuite"))
        try model.prefix(4096).write(to: URL(fileURLWithPath: dir + "/tokenizer.crfsuite"))
        XCTAssertThrowsError(try VietnameseWords(folder: dir)) { XCTAssertTrue("\($0)".contains("tokenizer.crfsuite"), "\($0)") }
    }
}
