import XCTest
import Foundation
@testable import Winnow

/// Chinese words as datatrove 0.10.1 gives them for FineWeb-2's `cmn_Hani` (spaCy with jieba 0.42.1), and Japanese
/// words as it gives them for `jpn_Jpan` (spaCy with SudachiPy 0.6.8). Real text is checked in
/// `SpacyStyleTokenizerTests` (the Declaration of Human Rights in both Chinese scripts and in Japanese) and by
/// bench/fw2_parity.py (1,736 Chinese and 2,308 Japanese Debian documents, every word the same).
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

    /// A Chinese or Japanese filter needs its dictionary when it is built: `language: "zh"`/`"ja"` and `thresholds: "fineweb2"` look for it.
    func testFiltersLoadTheDictionaryWhenBuilt() throws {
        for params in [#"{"type": "gopher_quality", "language": "zh"}"#, #"{"type": "gopher_repetition", "language": "ja"}"#,
                       #"{"type": "fineweb_quality", "thresholds": "fineweb2"}"#] {
            let spec = try JSONParser.parse(params).decode(StepSpec.self)
            XCTAssertNoThrow(try StepRegistry.build(spec, context: StepContext(baseDir: repoRoot)), params)
        }
    }

    /// Japanese: Sudachi's words, as datatrove 0.10.1 (SudachiPy 0.6.8, SudachiDict core 20251022, mode A) gives them
    /// for these sentences — the input's rewriting (full-width, half-width kana, a reading in brackets, prolonged
    /// marks) shows only in where words end, never in the words, which are spans of the text as written.
    func testJapaneseWordsAreSudachis() throws {
        let ja = try JapaneseWords.load("\(repoRoot)/models/sudachi")
        let cases: [(String, [String])] = [
            ("ファイル /usr/share/doc/debian を参照してください。", ["ファイル", "/", "usr", "/", "share", "/", "doc", "/", "debian", "を", "参照", "し", "て", "ください", "。"]),
            ("東京都庁に行きました。", ["東京", "都庁", "に", "行き", "まし", "た", "。"]),
            ("1.1.1. 版 1,000.5 倍・ユーザーアカウント、二十三万円", ["1", ".", "1", ".", "1", ".", "版", "1,000.5", "倍", "・", "ユーザー", "アカウント", "、", "二十三万", "円"]),
            ("ＡＢＣの漢字(かんじ)をｶﾞｲﾄﾞで読む――すごーーい！", ["ＡＢＣ", "の", "漢字(かんじ)", "を", "ｶﾞｲﾄﾞ", "で", "読む", "―", "―", "すごーーい", "！"]),
            ("選挙管理委員会は国立国語研究所で", ["選挙", "管理", "委員", "会", "は", "国立", "国語", "研究", "所", "で"]),
            ("ｃａｔ「ねこ」は東京スカイツリー～", ["ｃａｔ", "「", "ねこ", "」", "は", "東京", "スカイツリー", "～"]),
            ("絵文字😀です👍🏽！", ["絵", "文字", "😀", "です", "👍", "🏽", "！"]),
            ("①②③と㍿と㌔", ["①②③", "と", "㍿", "と", "㌔"]),
            ("ＩＢＭの「Ｗａｔｓｏｎ」", ["ＩＢＭ", "の", "「", "Ｗａｔｓｏｎ", "」"]),
            ("İstanbul ΣΟΦΙΑ straße", ["İstanbul", "ΣΟΦΙΑ", "straße"]),
            ("第１２３回、３．１４、1,000,000円、二〇二六年十二月四日",
             ["第", "１２３", "回", "、", "３．１４", "、", "1,000,000", "円", "、", "二〇二六", "年", "十二", "月", "四", "日"]),
            ("がぎぐげご、パピプ".decomposedStringWithCanonicalMapping,
             ["が", "ぎ", "ぐ", "げ", "ご", "、", "パピプ"].map { $0.decomposedStringWithCanonicalMapping }),
            ("", []), ("　 \n", []),
        ]
        for (text, words) in cases { XCTAssertEqual(ja.words(text), words, text) }
        // 120,000 bytes: datatrove's three pieces cut a word at each seam (30,002 words, not 30,000).
        let long = ja.words(String(repeating: "漢字", count: 30_000))
        XCTAssertEqual(long.count, 30_002)
        XCTAssertEqual(Set(long), ["漢字", "漢", "字"])
        var d = Document(id: "1", text: "これはペンです", source: "s")
        XCTAssertEqual(d.words(segmentUnspaced: true, language: "ja"), ["これ", "は", "ペン", "です"])
    }

    /// datatrove cuts Japanese text into pieces of at most 40,000 UTF-8 bytes before Sudachi reads it (Sudachi takes
    /// at most 49,149): the pieces cover the text, in order, each within the limit and as long as ten-character steps
    /// allow.
    func testJapanesePieces() {
        let text = Array(String(repeating: "日本語のテキストabc。", count: 9_000).unicodeScalars)
        let pieces = JapaneseWords.pieces(text, maxBytes: 40_000)
        XCTAssertEqual(pieces.first?.lowerBound, 0)
        XCTAssertEqual(pieces.last?.upperBound, text.count)
        for (a, b) in zip(pieces, pieces.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
        for p in pieces {
            let bytes = text[p].reduce(0) { $0 + UTF8.width($1) }
            XCTAssertLessThanOrEqual(bytes, 40_000)
            if p.upperBound < text.count { XCTAssertGreaterThan(bytes, 40_000 - 10 * 4) }
        }
        XCTAssertEqual(JapaneseWords.pieces(Array("短い".unicodeScalars), maxBytes: 40_000), [0..<2])
    }

    /// A missing or damaged Japanese dictionary is an error naming the file.
    func testBrokenJapaneseDictionary() throws {
        let dir = NSTemporaryDirectory() + "winnow-sudachi-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertThrowsError(try JapaneseWords(folder: dir)) { XCTAssertTrue("\($0)".contains("system.dic"), "\($0)") }
        try Data(repeating: 7, count: 4096).write(to: URL(fileURLWithPath: dir + "/system.dic"))
        XCTAssertThrowsError(try JapaneseWords(folder: dir)) { XCTAssertTrue("\($0)".contains("not a Sudachi system dictionary"), "\($0)") }
    }
}
