import XCTest
@testable import Winnow

/// Winnow's quality steps against datatrove's decisions on the committed, generated fixture
/// (`Fixtures/make_quality_parity.py`): every decision, every reason and C4's rewritten text; `c4_badwords`
/// and `url_filter` with the lists the script wrote to `Fixtures/lists/` (each document's `language` and `url`
/// are its metadata).
final class QualityParityTests: XCTestCase {
    struct Case { let text: String; let metadata: [UInt8]; let record: JSONValue }
    private let fixtures = "\(repoRoot)/Tests/WinnowTests/Fixtures"

    private func fixture() throws -> [Case] {
        let bytes = try readFileBytes("\(fixtures)/quality_parity.jsonl")
        return try String(decoding: bytes, as: UTF8.self).split(separator: "\n").map {
            let v = try JSONParser.parse(String($0))
            var meta: [String: JSONValue] = [:]
            for key in ["language", "url"] { meta[key] = v[key] }
            return Case(text: v["text"]!.stringValue!, metadata: Array(JSONWriter.compact(.object(JSONObject(meta.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))).utf8), record: v)
        }
    }

    private func check(_ stepJSON: String, key: String, file: StaticString = #filePath, line: UInt = #line) throws {
        guard case .document(let step) = try StepRegistry.build(try JSONParser.parse(stepJSON).decode(StepSpec.self), context: StepContext(baseDir: fixtures)) else { return XCTFail("not a document step") }
        let cases = try fixture()
        XCTAssertGreaterThanOrEqual(cases.count, 1000)
        var mismatches = 0
        var compared = 0
        for c in cases where key != "url_filter" || c.record["url"] != nil {
            compared += 1
            var doc = Document(id: "", text: c.text, source: "s", metadata: c.metadata)
            let result = step.apply(&doc)
            let expected = c.record[key]?.stringValue
            let got: String? = { if case .drop(let r) = result { return r }; return nil }()
            var ok = expected == got
            if ok, got == nil, let text = c.record[key + "_text"]?.stringValue { ok = text == doc.text }
            if !ok {
                mismatches += 1
                if mismatches <= 5 {
                    XCTFail("\(key) #\(c.record["id"]!.intValue!): expected \(expected ?? "keep"), got \(got ?? "keep"); \(c.text.prefix(120).debugDescription)", file: file, line: line)
                }
            }
        }
        XCTAssertEqual(mismatches, 0, "\(key): \(mismatches) of \(compared) documents differ", file: file, line: line)
    }

    // Defaults split scripts written without spaces (`segment_unspaced`); the fixture's "_segmented" decisions
    // are datatrove's with its words split by the same rule, the plain ones datatrove's as shipped.
    func testGopherQuality() throws {
        try check(#"{"type": "gopher_quality"}"#, key: "gopher_quality_segmented")
        try check(#"{"type": "gopher_quality", "segment_unspaced": false}"#, key: "gopher_quality")
    }
    func testGopherRepetition() throws {
        try check(#"{"type": "gopher_repetition"}"#, key: "gopher_repetition_segmented")
        try check(#"{"type": "gopher_repetition", "segment_unspaced": false}"#, key: "gopher_repetition")
    }
    func testFineWebQuality() throws {
        try check(#"{"type": "fineweb_quality"}"#, key: "fineweb_quality_segmented")
        try check(#"{"type": "fineweb_quality", "segment_unspaced": false}"#, key: "fineweb_quality")
    }
    func testC4Quality() throws { try check(#"{"type": "c4_quality"}"#, key: "c4_quality") }
    func testC4QualityWithoutTerminalPunctuationRule() throws {
        try check(#"{"type": "c4_quality", "filter_no_terminal_punct": false}"#, key: "c4_quality_no_terminal_punct")
    }
    func testC4BadWords() throws {
        try check(#"{"type": "c4_badwords", "lists": {"en": "lists/badwords_en.txt", "ja": "lists/badwords_ja.txt"}}"#, key: "c4_badwords")
    }
    func testURLFilter() throws {
        try check(#"""
            {"type": "url_filter", "domains": ["lists/domains.txt"], "urls": ["lists/urls.txt"], "banned_words": ["lists/banned_words.txt"],
             "soft_banned_words": ["lists/soft_banned_words.txt"], "banned_subwords": ["lists/banned_subwords.txt"],
             "public_suffix_list": "lists/public_suffix_list.dat"}
            """#, key: "url_filter")
    }
}
