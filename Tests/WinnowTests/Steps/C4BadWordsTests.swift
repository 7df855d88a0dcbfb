import XCTest
@testable import Winnow

final class C4BadWordsTests: XCTestCase {
    private func step(_ dir: String, _ extra: String = "") throws -> DocumentStep {
        let spec = try JSONParser.parse(#"{"type": "c4_badwords", "lists": {"en": "lists/en.txt", "ja": "lists/ja.txt"}\#(extra)}"#).decode(StepSpec.self)
        guard case .document(let s) = try StepRegistry.build(spec, context: StepContext(baseDir: dir, seed: 7)) else { fatalError() }
        return s
    }

    private func lists(_ test: XCTestCase) throws -> String {
        let dir = try makeTempDir(test)
        try writeFile("\(dir)/lists/en.txt", "darn\nHeck\n\ntwo words\nc++\n")
        try writeFile("\(dir)/lists/ja.txt", "日本\n")
        return dir
    }

    /// Expected values are what Python's re finds with datatrove's pattern `(?:\W|^)(words)(?:\W|$)` on the lower-cased text.
    func testMatchesOnWordBoundariesAsPythonRe() throws {
        let s = try step(try lists(self))
        let cases: [(String, Bool)] = [
            ("Darn it.", true), ("darnit", false), ("oh heck!", true), ("check this", false), ("say two words now", true),
            ("two wordsmith", false), ("I like C++ a lot", true), ("c++x", false), ("_heck", false), ("heck_", false),
            ("héck", false), ("the end heck", true), ("x\u{A0}heck\u{A0}y", true), ("naïve heck", true),
        ]
        for (text, found) in cases {
            var doc = Document(id: text, text: text, source: "s")
            XCTAssertEqual(s.apply(&doc), found ? .drop(reason: "document_removed_with_badwords") : .keep, text)
        }
    }

    func testLanguageComesFromAnnotationThenMetadataThenDefault() throws {
        let s = try step(try lists(self))
        var ja = Document(id: "1", text: "日本語のテキスト", source: "s", metadata: Array(#"{"language":"ja"}"#.utf8))
        XCTAssertEqual(s.apply(&ja), .drop(reason: "document_removed_with_badwords"))   // ja matches anywhere
        var annotated = Document(id: "2", text: "日本語", source: "s")
        annotated.annotations["language"] = .string("ja")
        XCTAssertEqual(s.apply(&annotated), .drop(reason: "document_removed_with_badwords"))
        var en = Document(id: "3", text: "日本語", source: "s")                             // default en: word boundaries
        XCTAssertEqual(s.apply(&en), .keep)
        var fr = Document(id: "4", text: "zut heck", source: "s", metadata: Array(#"{"language":"fr"}"#.utf8))
        XCTAssertEqual(s.apply(&fr), .keep)
        XCTAssertEqual(fr.annotations["badwords_language_missing"], .string("fr"))
        var fr2 = fr
        XCTAssertEqual(try step(try lists(self), #", "missing_language": "drop""#).apply(&fr2), .drop(reason: "missing_badwords_language"))
    }

    func testKeepFractionIsADeterministicDrawPerDocument() throws {
        let s = try step(try lists(self), #", "keep_fraction": 0.3"#)
        var kept = 0
        for i in 0..<2000 {
            var a = Document(id: "doc-\(i)", text: "heck", source: "s")
            var b = a
            let r = s.apply(&a)
            XCTAssertEqual(r, s.apply(&b))
            if r == .keep { kept += 1 }
        }
        XCTAssertEqual(Double(kept) / 2000, 0.3, accuracy: 0.04)
    }

    func testUnreadableListsAndBadParametersFailValidation() throws {
        let dir = try lists(self)
        try writeFile("\(dir)/data/a.jsonl", jsonl("1", "x"))
        try writeFile("\(dir)/s.json", """
        {"name": "b", "sources": [{"name": "a", "paths": ["data/*.jsonl"]}], "output": {"dir": "out"},
         "steps": [{"type": "c4_badwords", "lists": {"en": "lists/missing.txt"}},
                   {"type": "c4_badwords", "name": "b2", "lists": {"english words": "lists/en.txt"}, "keep_fraction": 2},
                   {"type": "c4_badwords", "name": "b3", "lists": {}}]}
        """)
        XCTAssertThrowsError(try PipelineLoader.load("\(dir)/s.json")) { e in
            let issues = (e as! SpecValidationError).issues
            XCTAssertTrue(issues.contains { $0.pointer == "/steps/1/lists/english words" && $0.message.contains("does not match") }, "\(issues)")
            XCTAssertTrue(issues.contains(SpecIssue("/steps/1/keep_fraction", "2 is not in 0…1")), "\(issues)")
            XCTAssertTrue(issues.contains(SpecIssue("/steps/2/lists", "needs at least 1 entry, got 0")), "\(issues)")
        }
        try writeFile("\(dir)/s2.json", """
        {"name": "b", "sources": [{"name": "a", "paths": ["data/*.jsonl"]}], "output": {"dir": "out"},
         "steps": [{"type": "c4_badwords", "lists": {"en": "lists/missing.txt"}}]}
        """)
        XCTAssertThrowsError(try PipelineLoader.load("\(dir)/s2.json")) { e in
            let issues = (e as! SpecValidationError).issues
            XCTAssertEqual(issues.map(\.pointer), ["/steps/0/lists/en"])
            XCTAssertTrue(issues[0].message.hasPrefix("cannot read \"lists/missing.txt\""), issues[0].message)
        }
    }
}
