import XCTest
import Foundation
@testable import Winnow

/// Korean words close to datatrove 0.10.1's for FineWeb-2's `kor_Hang` (Kiwi 0.21, model "sbg"), which Winnow
/// approximates from Korean grammar instead of running Kiwi's dictionary and language model (`KoreanWords`).
/// bench/fw2_parity.py measures the decisions on Debian's Korean messages and Korean bills.
final class KoreanWordsTests: XCTestCase {
    private static let corpora = "\(repoRoot)/../shared/corpora"

    /// Sentences this project wrote, with the words datatrove's Korean tokenizer gives for each
    /// (`load_word_tokenizer("kor_Hang").word_tokenize`, run in the bench venv): particles after consonants and
    /// vowels, endings fused into a stem's syllable (합니다) or contracted with it (했), honorific imperatives, an
    /// adnominal before a dependent noun (열 수), punctuation and brackets next to Hangul without spaces, list
    /// numbers, serial numbers, URLs, addresses, tags, other scripts, and datatrove's own removal of long digit runs
    /// (it slices the original text with offsets into the cleaned one, so `12345678901234567890123 끝` gives `2`).
    func testWordsAreKiwis() {
        let cases: [(String, [String])] = [
            ("보장했다", ["보장", "했", "했", "다"]),
            ("학교에서는 사람들이", ["학교", "에서", "는", "사람", "들", "이"]),
            ("설정합니다.", ["설정", "합", "합니다", "."]),
            ("사용하십시오.", ["사용", "하", "십", "십시오", "."]),
            ("파일을 열 수 없습니다: %s", ["파일", "을", "열", "열", "수", "없", "습니다", ":", "%", "s"]),
            ("“인용”과『책』", ["“", "인용", "”", "과", "『", "책", "』"]),
            ("패키지(들)…중...", ["패키지", "(", "들", ")", "…", "중", "..."]),
            ("1. 개요\n2. 내용", ["1.", "개요", "2.", "내용"]),
            ("버전 1.2.3, 12:30, 1,000원", ["버전", "1.2.3", ",", "12:30", ",", "1,000", "원"]),
            ("한글English日本語", ["한글", "English", "日本語"]),
            ("보장한다 보장되었다 보장하여", ["보장", "한", "한다", "보장", "되", "었", "다", "보장", "하", "여"]),
            ("것입니다 사람이었다 우리는 나라의", ["것", "입", "입니다", "사람", "이", "었", "다", "우리", "는", "나라", "의"]),
            ("받았습니다 있습니까? 않는다 지정해야", ["받", "았", "습니다", "있", "습니까", "?", "않", "는다", "지정", "해", "해야"]),
            ("작성함. 없음 때문에", ["작성", "함", "함", ".", "없", "음", "때문", "에"]),
            ("또는 다만, 회의에서", ["또는", "다만", ",", "회의", "에서"]),
            ("육아휴직 대체인력", ["육아", "휴직", "대체", "인력"]),
            ("자세한 내용은 https://www.debian.org/ 또는 debian-user@lists.debian.org로",
             ["자세", "한", "한", "내용", "은", "https://www.debian.org/", "또는", "debian-user@lists.debian.org", "로"]),
            ("#데비안 @user님", ["#데비안", "@user", "님"]),
            ("번호 12345678901234567890123 끝", ["번호", "2"]),
            ("", []), ("  \n\t ", []),
        ]
        for (text, words) in cases { XCTAssertEqual(KoreanWords.words(text), words, text) }
        // Through a document: Korean text tagged `ko` is split this way, not by English rules.
        var d = Document(id: "1", text: "학교에서는 사람들이", source: "s")
        XCTAssertEqual(d.words(language: "ko"), ["학교", "에서", "는", "사람", "들", "이"])
        XCTAssertEqual(d.words(language: "en"), ["학교에서는", "사람들이"])
    }

    /// FineWeb-2's Korean stop words are particles and endings (의 다 이 는 에 을 …): Korean prose split on spaces has
    /// none and fails Gopher's stop-word rule; split this way it passes, as in datatrove.
    func testKoreanProseHasItsStopWords() throws {
        let prose = String(repeating: "정부는 오늘 새로운 교육 정책을 발표했다. 학생들은 학교에서 더 많은 시간을 독서에 쓰게 되며, 교사들은 수업 자료를 직접 만들 수 있다. ", count: 4)
        guard case .document(let s) = try StepRegistry.build(try JSONParser.parse(#"{"type": "gopher_quality", "thresholds": "fineweb2"}"#).decode(StepSpec.self)) else {
            return XCTFail("not a document step")
        }
        var d = Document(id: "1", text: prose, source: "s")
        d.annotations["language"] = .string("ko")
        XCTAssertEqual(s.apply(&d), .keep)
        XCTAssertEqual(d.annotations["thresholds"], .string("fineweb2:kor_Hang"))
        var english = Document(id: "2", text: prose, source: "s")
        english.annotations["language"] = .string("ko")
        let stop = Set(["의", "다", "이", "는", "에", "을", "한", "년", "하", "은", "를", "했", "고", "에서", "가", "있", "으로", "인", "월", "로", "되"])
        XCTAssertEqual(english.words(language: "en").filter { stop.contains($0) }.count, 0)
        XCTAssertGreaterThan(english.words(language: "ko").filter { stop.contains($0) }.count, 20)
    }

    /// The Declaration in Korean from ../shared/corpora against Kiwi's spans in the fixture (made by
    /// Fixtures/korean/make_kiwi_spans.py in the bench venv): the words found agree with Kiwi's on at least 90% of
    /// words both ways (precision and recall over the multiset of words).
    func testWordsAgreeWithKiwiOnTheDeclaration() throws {
        guard FileManager.default.fileExists(atPath: Self.corpora) else {
            print("KoreanWordsTests: \(Self.corpora) is absent (../shared is not beside the checkout)")
            throw XCTSkip("\(Self.corpora) is absent")
        }
        let fixture = try String(contentsOfFile: "\(repoRoot)/Tests/WinnowTests/Fixtures/korean/kiwi_spans.jsonl", encoding: .utf8)
        var checked = 0
        for line in fixture.split(separator: "\n") {
            guard case .object(let o) = try JSONParser.parse(Array(line.utf8)), let file = o["corpus"]?.stringValue,
                  let id = o["id"]?.stringValue, let sha = o["sha256"]?.stringValue, case .array(let spans)? = o["spans"] else { continue }
            var text: String?
            let reader = LineReader(source: try openByteSource(path: "\(Self.corpora)/\(file)"), maxLineBytes: 1 << 26, bufferBytes: 1 << 20)
            try reader.forEachLine { line in
                if case .text(let bytes) = line, case .object(let d) = try JSONParser.parse(Array(bytes)), d["id"]?.stringValue == id {
                    text = d["text"]?.stringValue
                    return false
                }
                return true
            }
            let t = try XCTUnwrap(text, "\(id) is not in \(file)")
            XCTAssertEqual(SHA256.hash(Array(t.utf8)).hex, sha, "\(id) changed since the fixture was made")
            let scalars = Array(t.unicodeScalars)
            var kiwi: [String: Int] = [:]
            for case .array(let pair) in spans {
                guard let a = pair.first?.intValue, let b = pair.last?.intValue else { continue }
                let w = KoreanWords.string(scalars[a..<b]).trimmingCharacters(in: .whitespacesAndNewlines)
                if !w.isEmpty { kiwi[w, default: 0] += 1 }
            }
            var ours: [String: Int] = [:]
            for w in KoreanWords.words(t) { ours[w, default: 0] += 1 }
            let common = kiwi.reduce(0) { $0 + min($1.value, ours[$1.key] ?? 0) }
            let precision = Double(common) / Double(ours.values.reduce(0, +)), recall = Double(common) / Double(kiwi.values.reduce(0, +))
            print(String(format: "KoreanWordsTests: %@: %d words (Kiwi %d), precision %.3f, recall %.3f", id,
                         ours.values.reduce(0, +), kiwi.values.reduce(0, +), precision, recall))
            XCTAssertGreaterThanOrEqual(precision, 0.9, id)
            XCTAssertGreaterThanOrEqual(recall, 0.9, id)
            checked += 1
        }
        XCTAssertEqual(checked, 1)
    }
}
