import XCTest
@testable import Winnow

final class RatioFiltersTests: XCTestCase {
    private func build(_ json: String) throws -> DocumentStep {
        let spec = try JSONParser.parse(json).decode(StepSpec.self)
        guard case .document(let step) = try StepRegistry.build(spec) else { fatalError("not a document step") }
        return step
    }

    private func run(_ step: DocumentStep, _ text: String) -> (StepResult, Annotations) {
        var doc = Document(id: "d", text: text, source: "s")
        let r = step.apply(&doc)
        return (r, doc.annotations)
    }

    // Expected counts are Python's: sum(c.isalnum() for c in t) == 16, len(t) == 24, P*/S* == 4.
    let mixed = "Héllo, wörld! 123 — 日本語…"

    func testAlphaRatioCountsLettersAndDigitsOfEveryScript() throws {
        let (r, a) = run(try build(#"{"type": "alpha_ratio"}"#), mixed)
        XCTAssertEqual(r, .keep)
        XCTAssertEqual(a["alpha_ratio"], .number(16.0 / 24.0))
        XCTAssertEqual(run(try build(#"{"type": "alpha_ratio", "min_ratio": 0.7}"#), mixed).0, .drop(reason: "alpha_ratio_low"))
        XCTAssertEqual(run(try build(#"{"type": "alpha_ratio", "max_ratio": 0.6}"#), mixed).0, .drop(reason: "alpha_ratio_high"))
        XCTAssertEqual(run(try build(#"{"type": "alpha_ratio"}"#), "").0, .drop(reason: "alpha_ratio_low"))
        // Bounds are inclusive: exactly 0.25 is kept.
        XCTAssertEqual(run(try build(#"{"type": "alpha_ratio"}"#), "a!!!").0, .keep)
        XCTAssertEqual(run(try build(#"{"type": "alpha_ratio"}"#), "a!!!!").0, .drop(reason: "alpha_ratio_low"))
    }

    func testSymbolRatioUsesUnicodeCategories() throws {
        let (r, a) = run(try build(#"{"type": "symbol_ratio"}"#), mixed)
        XCTAssertEqual(r, .keep)
        XCTAssertEqual(a["symbol_ratio"], .number(4.0 / 24.0))
        XCTAssertEqual(run(try build(#"{"type": "symbol_ratio"}"#), "»«¿¡ ok").0, .drop(reason: "symbol_ratio_high"))
        XCTAssertEqual(run(try build(#"{"type": "symbol_ratio"}"#), "$+<>| four").0, .drop(reason: "symbol_ratio_high"))
        XCTAssertEqual(run(try build(#"{"type": "symbol_ratio", "min_ratio": 0.1}"#), "plain words").0, .drop(reason: "symbol_ratio_low"))
    }

    func testMaxLineLengthSplitsLinesAsPython() throws {
        XCTAssertEqual(TextLines.lineLengths("a\r\nbb\rccc\u{0B}dddd\u{2028}e\n\nfff\n"), [1, 2, 3, 4, 1, 0, 3])
        XCTAssertEqual(TextLines.lineLengths(""), [])
        XCTAssertEqual(TextLines.lineLengths("\n"), [0])
        let step = try build(#"{"type": "max_line_length", "max_length": 12}"#)
        XCTAssertEqual(run(step, "short\nten chars!").0, .keep)                        // longest 10 ≥ 10 (default min)
        XCTAssertEqual(run(step, "short\nnine char").0, .drop(reason: "max_line_length_short"))
        XCTAssertEqual(run(step, "twelve chars\nok").0, .keep)
        let (r, a) = run(step, "thirteen char\nok")
        XCTAssertEqual(r, .drop(reason: "max_line_length_long"))
        XCTAssertEqual(a["max_line_length"], .int(13))
        XCTAssertEqual(run(step, "日本語日本語日本語日本語日\n").0, .drop(reason: "max_line_length_long"))   // 13 characters, 39 bytes
    }

    func testBadBoundsFailValidation() throws {
        let schema = PipelineSchema.build()
        let spec: JSONValue = ["name": "x", "sources": [["name": "a", "paths": ["*.jsonl"]]], "output": ["dir": "o"],
                               "steps": [["type": "alpha_ratio", "min_ratio": 1.5], ["type": "max_line_length", "min_length": -1]]]
        XCTAssertEqual(SchemaValidator(schema: schema).validate(spec), [
            SpecIssue("/steps/0/min_ratio", "1.5 is not in 0…1"),
            SpecIssue("/steps/1/min_length", "-1 is below the minimum 0"),
        ])
    }
}
