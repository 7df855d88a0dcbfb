import XCTest
@testable import Winnow

/// The `pii` detectors scored on the committed labelled set (`Fixtures/pii/make_pii_set.py`: 2,150 texts in
/// five languages, valid values of every kind in several formats, 600 hard negatives). A finding counts when
/// its kind and scalar offsets equal a label's.
final class PIISetTests: XCTestCase {
    func testRecallAndPrecisionPerKind() throws {
        let path = "\(repoRoot)/Tests/WinnowTests/Fixtures/pii/pii_set.jsonl"
        var tp: [String: Int] = [:], fn: [String: Int] = [:], fp: [String: Int] = [:]
        var negatives = 0, cleanNegatives = 0
        let scanner = PIIScrubber.scanner()
        for line in String(decoding: try readFileBytes(path), as: UTF8.self).split(separator: "\n") {
            let r = try JSONParser.parse(String(line))
            struct Span: Hashable { let start: Int, end: Int, kind: String }
            let truth = Set(r["spans"]!.arrayValue!.map { Span(start: $0["start"]!.intValue!, end: $0["end"]!.intValue!, kind: $0["kind"]!.stringValue!) })
            let found = Set(scanner.scalarSpans(r["text"]!.stringValue!).map { Span(start: $0.start, end: $0.end, kind: $0.kind) })
            for s in truth.intersection(found) { tp[s.kind, default: 0] += 1 }
            for s in truth.subtracting(found) { fn[s.kind, default: 0] += 1 }
            for s in found.subtracting(truth) { fp[s.kind, default: 0] += 1 }
            if truth.isEmpty { negatives += 1; if found.isEmpty { cleanNegatives += 1 } }
        }
        XCTAssertGreaterThanOrEqual(tp.values.reduce(0, +) + fn.values.reduce(0, +) + negatives, 2000)
        for kind in PIIScrubber.kindNames {
            let t = Double(tp[kind] ?? 0), recall = t / max(1, t + Double(fn[kind] ?? 0)), precision = t / max(1, t + Double(fp[kind] ?? 0))
            XCTAssertGreaterThan(t, 100, "\(kind): too few labelled examples")
            let goal = kind == "phone" || kind == "secret" ? 0.95 : 0.99
            XCTAssertGreaterThanOrEqual(recall, goal, "\(kind) recall")
            XCTAssertGreaterThanOrEqual(precision, 0.98, "\(kind) precision")
        }
        XCTAssertGreaterThanOrEqual(Double(cleanNegatives) / Double(negatives), 0.98, "hard negatives left alone")
    }
}
