import Foundation
import XCTest
@testable import Winnow

/// Word splitting per language against datatrove 0.10.1's own tokenizers (spaCy's rules) on real text: the words of
/// each document of `../shared/corpora` listed in `Fixtures/spacy/words.jsonl` (its count and SHA-256, made by
/// `make_spacy_words.py`; the text is not copied here).
final class SpacyStyleTokenizerTests: XCTestCase {
    private static let corpora = "\(repoRoot)/../shared/corpora"

    private func texts(_ file: String) throws -> [String: String] {
        let path = "\(Self.corpora)/\(file)"
        var out: [String: String] = [:]
        let reader = LineReader(source: try openByteSource(path: path), maxLineBytes: 1 << 26, bufferBytes: 1 << 20)
        try reader.forEachLine { line in
            if case .text(let bytes) = line, case .object(let o) = try JSONParser.parse(Array(bytes)),
               let id = o["id"]?.stringValue, let text = o["text"]?.stringValue { out[id] = text }
            return true
        }
        return out
    }

    /// Sentences whose words datatrove 0.10.1 gives as listed (its `load_word_tokenizer(code).word_tokenize`): special
    /// cases after a prefix (`(r.`), hyphenated words kept whole in Portuguese, `R$`, `’s` and abbreviations in German,
    /// inverted marks in Spanish.
    func testWordsOfEachLanguagesRules() throws {
        let cases: [(String, String, [String])] = [
            ("pt", "O Sr. Silva (r. Tupi, 522) comprou um puro-sangue por R$ 70 mil: ótimo!",
             ["O", "Sr.", "Silva", "(", "r.", "Tupi", ",", "522", ")", "comprou", "um", "puro-sangue", "por", "R$", "70", "mil", ":", "ótimo", "!"]),
            ("de", "Peter’s Haus (z.B. in der Hauptstr. 5) kostet 3,5 Mio. €.",
             ["Peter", "’s", "Haus", "(", "z.B.", "in", "der", "Hauptstr", ".", "5", ")", "kostet", "3,5", "Mio.", "€", "."]),
            ("es", "¿Dónde está el Sr. García? ¡Aquí!", ["¿", "Dónde", "está", "el", "Sr.", "García", "?", "¡", "Aquí", "!"]),
        ]
        for (language, text, words) in cases { XCTAssertEqual(SpacyStyleTokenizer.forLanguage(language)?.words(text), words, language) }
        // A FineWeb-2 (GlotLID) name finds the same rules; a language without rules has none (its words are English's).
        XCTAssertTrue(SpacyStyleTokenizer.forLanguage("por_Latn") === SpacyStyleTokenizer.forLanguage("pt"))
        XCTAssertNil(SpacyStyleTokenizer.forLanguage("ja"))
        var d = Document(id: "1", text: "um puro-sangue", source: "s")
        XCTAssertEqual(d.words(language: "pt"), ["um", "puro-sangue"])
        XCTAssertEqual(d.words(language: "en"), ["um", "puro", "-", "sangue"])
    }

    func testWordsAreDatatrovesOnRealText() throws {
        guard FileManager.default.fileExists(atPath: Self.corpora) else {
            print("SpacyStyleTokenizerTests: \(Self.corpora) is absent (../shared is not beside the checkout)")
            throw XCTSkip("\(Self.corpora) is absent")
        }
        let fixture = try String(contentsOfFile: "\(repoRoot)/Tests/WinnowTests/Fixtures/spacy/words.jsonl", encoding: .utf8)
        var byFile: [String: [String: String]] = [:]
        var same: [String: Int] = [:], total: [String: Int] = [:]
        var misses: [String] = []
        for line in fixture.split(separator: "\n") {
            guard case .object(let o) = try JSONParser.parse(Array(line.utf8)), let file = o["corpus"]?.stringValue, let id = o["id"]?.stringValue,
                  let lang = o["lang"]?.stringValue, let sha = o["sha256"]?.stringValue, let count = o["words"]?.intValue else { continue }
            if byFile[file] == nil { byFile[file] = try texts(file) }
            let text = try XCTUnwrap(byFile[file]?[id], "\(id) is not in \(file)")
            let words = lang == "zh" ? try ChineseWords.load("\(repoRoot)/models/jieba").words(text)
                : lang == "ja" ? try JapaneseWords.load("\(repoRoot)/models/sudachi").words(text)
                : lang == "vi" ? try VietnameseWords.load("\(repoRoot)/models/pyvi").words(text) : try XCTUnwrap(SpacyStyleTokenizer.forLanguage(lang), lang).words(text)
            let digest = SHA256.hash(Array(words.joined(separator: "\u{1}").utf8)).hex
            total[lang, default: 0] += 1
            if digest == sha { same[lang, default: 0] += 1 } else {
                misses.append("\(lang) \(id): \(words.count) words, datatrove \(count)")
                if let dump = ProcessInfo.processInfo.environment["WINNOW_DUMP_WORDS"] { try words.joined(separator: "\n").write(toFile: "\(dump)/\(id).txt", atomically: true, encoding: .utf8) }
            }
        }
        print("SpacyStyleTokenizerTests: same words as datatrove, by language: " + total.keys.sorted().map { "\($0) \(same[$0] ?? 0)/\(total[$0]!)" }.joined(separator: ", "))
        for m in misses.prefix(20) { print("  differs: \(m)") }
        // Every word the same in 99% of documents, in each language with ten or more of them and over all.
        for (lang, n) in total where n >= 10 { XCTAssertGreaterThanOrEqual(Double(same[lang] ?? 0) / Double(n), 0.99, "\(lang): \(same[lang] ?? 0)/\(n)") }
        XCTAssertGreaterThanOrEqual(Double(same.values.reduce(0, +)) / Double(total.values.reduce(0, +)), 0.99)
        XCTAssertGreaterThan(total.count, 10)
        XCTAssertEqual(same["zh"], 2, "Chinese: jieba's words, both scripts")
        XCTAssertEqual(same["ja"], 1, "Japanese: Sudachi's words")
        XCTAssertEqual(same["vi"], 1, "Vietnamese: pyvi's words")
    }
}
