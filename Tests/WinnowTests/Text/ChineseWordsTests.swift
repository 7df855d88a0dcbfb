import XCTest
import Foundation
@testable import Winnow

/// Chinese words as datatrove 0.10.1 gives them for FineWeb-2's `cmn_Hani` (spaCy with jieba 0.42.1), and Japanese
/// short units without a dictionary. Real text is checked in `SpacyStyleTokenizerTests` (the Declaration of Human Rights
/// in both Chinese scripts) and by bench/fw2_parity.py (1,736 Debian documents, every word the same).
final class ChineseWordsTests: XCTestCase {
    private func chinese() throws -> ChineseWords { try ChineseWords.load("\(repoRoot)/models/jieba") }

    /// Sentences with datatrove's words (`load_word_tokenizer("cmn_Hani").word_tokenize`): dictionary words and the
    /// best path through them, words the dictionary lacks found by the hidden Markov model (杭研, 里练), numbers with a
    /// decimal part and `%`, `C++` from the dictionary, full-width letters and digits one by one, whitespace dropped.
    func testWordsAreJiebas() throws {
        let cases: [(String, [String])] = [
            ("系统是一个面向网络计算机的功能强大的计算平台。", ["系统", "是", "一个", "面向", "网络计算机", "的", "功能强大", "的", "计算", "平台", "。"]),
            ("小明硕士毕业于中国科学院计算所，后在日本京都大学深造", ["小明", "硕士", "毕业", "于", "中国科学院", "计算所", "，", "后", "在", "日本京都大学", "深造"]),
            ("他来到了网易杭研大厦", ["他", "来到", "了", "网易", "杭研", "大厦"]),
            ("版本 2.6.32-5 的内核，下载速度 3.5% 提升；C++ 和 foo_bar 文件。",
             ["版本", "2.6", ".", "32", "-", "5", "的", "内核", "，", "下载速度", "3.5%", "提升", "；", "C++", "和", "foo", "_", "bar", "文件", "。"]),
            ("「你好」，世界！Ｔｅｓｔ１２３ ＡＢＣ 杨过和小龙女在古墓里练剑",
             ["「", "你好", "」", "，", "世界", "！", "Ｔ", "ｅ", "ｓ", "ｔ", "１", "２", "３", "Ａ", "Ｂ", "Ｃ", "杨过", "和", "小龙女", "在", "古墓", "里练", "剑"]),
            ("", []),
            ("  \n ", []),
        ]
        let zh = try chinese()
        for (text, words) in cases { XCTAssertEqual(zh.words(text), words, text) }
        // Through a document, as the filters ask for them.
        var d = Document(id: "1", text: "他来到了网易杭研大厦", source: "s")
        XCTAssertEqual(d.words(segmentUnspaced: true, language: "zh"), ["他", "来到", "了", "网易", "杭研", "大厦"])
    }

    /// `"thresholds": "fineweb2"` on a Chinese document: FineWeb-2's cmn_Hani values, words counted as jieba splits them
    /// (a character per word would count about twice as many).
    func testFineWeb2FiltersCountJiebasWords() throws {
        let text = String(repeating: "系统是一个面向网络计算机的功能强大的计算平台。小明硕士毕业于中国科学院计算所，后在日本京都大学深造。他来到了网易杭研大厦。\n", count: 3)
        guard case .document(let s) = try StepRegistry.build(try JSONParser.parse(#"{"type": "gopher_quality", "thresholds": "fineweb2"}"#).decode(StepSpec.self),
                                                             context: StepContext(baseDir: repoRoot)) else { return XCTFail("not a document step") }
        var d = Document(id: "1", text: text, source: "s")
        d.annotations["language"] = .string("zh")
        XCTAssertEqual(s.apply(&d), .keep)
        XCTAssertEqual(d.annotations["thresholds"], .string("fineweb2:cmn_Hani"))
        let content = try chinese().words(text).filter { Punctuation.hasNonSymbol($0) }
        XCTAssertEqual(content.count, 3 * 26)
        XCTAssertEqual(d.annotations["gopher_words"], .int(content.count))
    }

    /// A folder without jieba's files is an error naming what is missing; a broken line names its file and line.
    func testMissingOrBrokenDictionary() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jieba-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertThrowsError(try ChineseWords(folder: dir)) { XCTAssertTrue("\($0)".contains("dict.txt"), "\($0)") }
        try "一 10 m\n一个 notanumber m\n".write(toFile: "\(dir)/dict.txt", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ChineseWords(folder: dir)) { XCTAssertTrue("\($0)".contains("dict.txt line 2"), "\($0)") }
    }

    /// A Chinese filter needs the dictionary when it is built: `language: "zh"` and `thresholds: "fineweb2"` look for it.
    func testFiltersLoadTheDictionaryWhenBuilt() throws {
        for params in [#"{"type": "gopher_quality", "language": "zh"}"#, #"{"type": "fineweb_quality", "thresholds": "fineweb2"}"#] {
            let spec = try JSONParser.parse(params).decode(StepSpec.self)
            XCTAssertNoThrow(try StepRegistry.build(spec, context: StepContext(baseDir: repoRoot)), params)
        }
    }

    /// Japanese short units: katakana runs whole, kanji in pairs, hiragana at common function words, letters and digits
    /// in runs (one decimal point joined), every symbol alone — SudachiPy gives the first two sentences the same words.
    func testJapaneseWords() {
        XCTAssertEqual(JapaneseWords.words("ファイル /usr/share/doc/debian を参照してください。"),
                       ["ファイル", "/", "usr", "/", "share", "/", "doc", "/", "debian", "を", "参照", "し", "て", "ください", "。"])
        XCTAssertEqual(JapaneseWords.words("東京都庁に行きました。"), ["東京", "都庁", "に", "行き", "まし", "た", "。"])
        XCTAssertEqual(JapaneseWords.words("1.1.1. 版 1.5 倍・ユーザーアカウント"), ["1", ".", "1", ".", "1", ".", "版", "1.5", "倍", "・", "ユーザーアカウント"])
        var d = Document(id: "1", text: "これはペンです", source: "s")
        XCTAssertEqual(d.words(segmentUnspaced: true, language: "ja"), ["これ", "は", "ペン", "です"])
    }
}
