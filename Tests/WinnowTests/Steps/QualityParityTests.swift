import XCTest
@testable import Winnow

/// Winnow's quality steps against datatrove's decisions on the committed, generated fixture
/// (`Fixtures/make_quality_parity.py`): every decision, every reason and C4's rewritten text.
final class QualityParityTests: XCTestCase {
    struct Case { let text: String; let record: JSONValue }

    private func fixture() throws -> [Case] {
        let bytes = try readFileBytes("\(repoRoot)/Tests/WinnowTests/Fixtures/quality_parity.jsonl")
        return try String(decoding: bytes, as: UTF8.self).split(separator: "\n").map {
            let v = try JSONParser.parse(String($0))
            return Case(text: v["text"]!.stringValue!, record: v)
        }
    }

    private func check(_ stepJSON: String, key: String, file: StaticString = #filePath, line: UInt = #line) throws {
        guard case .document(let step) = try StepRegistry.build(try JSONParser.parse(stepJSON).decode(StepSpec.self)) else { return XCTFail("not a document step") }
        let cases = try fixture()
        XCTAssertGreaterThanOrEqual(cases.count, 1000)
        var mismatches = 0
        for c in cases {
            var doc = Document(id: "", text: c.text, source: "s")
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
        XCTAssertEqual(mismatches, 0, "\(key): \(mismatches) of \(cases.count) documents differ", file: file, line: line)
    }

    func testGopherQuality() throws { try check(#"{"type": "gopher_quality"}"#, key: "gopher_quality") }
    func testGopherRepetition() throws { try check(#"{"type": "gopher_repetition"}"#, key: "gopher_repetition") }
    func testFineWebQuality() throws { try check(#"{"type": "fineweb_quality"}"#, key: "fineweb_quality") }
    func testC4Quality() throws { try check(#"{"type": "c4_quality"}"#, key: "c4_quality") }
    func testC4QualityWithoutTerminalPunctuationRule() throws {
        try check(#"{"type": "c4_quality", "filter_no_terminal_punct": false}"#, key: "c4_quality_no_terminal_punct")
    }
}
