import XCTest
@testable import Winnow

/// The `language` and `classifier` steps: keep rules as datatrove's LanguageFilter, per-source overrides,
/// label_map, paragraph voting, annotations, and model errors at `winnow validate`. The tiny models come from
/// the fastText fixture (labels de, el, en, es, fi, fr, it, nl, pl, pt, ru, tr).
final class LanguageStepTests: XCTestCase {
    private let tiny = "\(repoRoot)/Tests/WinnowTests/Fixtures/fasttext/tiny_softmax.bin"
    private let german = "das Haus steht neben dem Fluss und wir gehen jeden Morgen mit unserem alten Hund dorthin"
    private let english = "the house is near the river and we walk there every morning with our old dog"

    /// The document step `json` builds; a registry that lost the step (or made it a barrier) fails the test.
    private func step(_ json: String, file: StaticString = #filePath, line: UInt = #line) throws -> DocumentStep {
        guard case .document(let s) = try StepRegistry.build(try JSONParser.parse(json).decode(StepSpec.self)) else {
            XCTFail("\(json) did not build a document step", file: file, line: line)
            throw StepNotADocumentStep()
        }
        return s
    }
    private struct StepNotADocumentStep: Error {}

    private func apply(_ s: DocumentStep, _ text: String, source: String = "web") -> (StepResult, Document) {
        var d = Document(id: "1", text: text, source: source)
        let r = s.apply(&d)
        return (r, d)
    }

    func testKeepRulesReasonsAndAnnotations() throws {
        let s = try step(#"{"type": "language", "model": "\#(tiny)", "keep": ["en"], "min_score": 0.5}"#)
        let (keep, d1) = apply(s, english)
        XCTAssertEqual(keep, .keep)
        XCTAssertEqual(d1.annotations["language"], .string("en"))
        guard case .number(let score)? = d1.annotations["language_score"] else { return XCTFail("no score") }
        // The score is fastText's probability for the whole text, newlines read as spaces.
        let expected = try FastTextModel(path: tiny).predict(english, k: 1)[0].probability
        XCTAssertEqual(score, Double(expected), accuracy: 1e-7)
        XCTAssertEqual(apply(s, english.replacingOccurrences(of: " ", with: "\n")).1.annotations["language_score"], .number(score))
        let (drop, d2) = apply(s, german)
        XCTAssertEqual(drop, .drop(reason: "language_not_kept"))
        XCTAssertEqual(d2.annotations["language"], .string("de"))
        let strict = try step(#"{"type": "language", "model": "\#(tiny)", "keep": ["en"], "min_score": 0.9999}"#)
        XCTAssertEqual(apply(strict, english).0, .drop(reason: "language_low_score"))
        let any = try step(#"{"type": "language", "model": "\#(tiny)", "min_score": 0.5}"#)
        XCTAssertEqual(apply(any, german).0, .keep)
        let annotate = try step(#"{"type": "language", "model": "\#(tiny)", "keep": ["fi"], "annotate_only": true}"#)
        let (r, d3) = apply(annotate, german)
        XCTAssertEqual(r, .keep)
        XCTAssertEqual(d3.annotations["language"], .string("de"))
    }

    func testPerSourceOverridesAndLabelMap() throws {
        let s = try step(#"""
            {"type": "language", "model": "\#(tiny)", "keep": ["en"], "min_score": 0.5,
             "label_map": {"de": "deu_Latn"}, "sources": {"books": {"keep": ["deu_Latn"]}}}
            """#)
        XCTAssertEqual(apply(s, german, source: "web").0, .drop(reason: "language_not_kept"))
        let (r, d) = apply(s, german, source: "books")
        XCTAssertEqual(r, .keep)
        XCTAssertEqual(d.annotations["language"], .string("deu_Latn"))
        XCTAssertEqual(apply(s, english, source: "books").0, .drop(reason: "language_not_kept"))
    }

    func testParagraphModeVotesByCharacters() throws {
        let s = try step(#"{"type": "language", "model": "\#(tiny)", "keep": ["de"], "min_score": 0.5, "mode": "paragraphs"}"#)
        // Two German paragraphs outweigh one short English one; the whole text as one line might not.
        let text = "\(german)\n\n\(english.prefix(30))\n  \n\(german) und so weiter"
        let (r, d) = apply(s, text)
        XCTAssertEqual(r, .keep)
        XCTAssertEqual(d.annotations["language"], .string("de"))
        XCTAssertEqual(LanguageID.paragraphs("a\nb\n\n \nc\n").map(String.init), ["a\nb", "c"])
        XCTAssertEqual(LanguageID.paragraphs("\n\n"), [])
    }

    func testClassifierScoresALabel() throws {
        let s = try step(#"{"type": "classifier", "name": "germanness", "model": "\#(tiny)", "label": "de", "min_score": 0.5}"#)
        let (keep, d) = apply(s, german)
        XCTAssertEqual(keep, .keep)
        guard case .number(let score)? = d.annotations["germanness_score"] else { return XCTFail("no score") }
        XCTAssertGreaterThan(score, 0.5)
        XCTAssertEqual(apply(s, english).0, .drop(reason: "below_min_score"))
        let top = try step(#"{"type": "classifier", "model": "\#(tiny)", "annotation": "lid", "max_score": 0.2}"#)
        let (r, d2) = apply(top, german)
        XCTAssertEqual(r, .drop(reason: "above_max_score"))
        XCTAssertEqual(d2.annotations["lid_label"], .string("de"))
        XCTAssertThrowsError(try step(#"{"type": "classifier", "model": "\#(tiny)", "label": "xx"}"#)) {
            XCTAssertTrue("\($0)".contains("has no label \"__label__xx\""), "\($0)")
        }
    }

    /// Model problems are reported by `winnow validate` with the step's JSON pointer and the file.
    func testValidateReportsBrokenModels() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/a.jsonl", jsonl("1", english))
        var broken = try readFileBytes(tiny)
        broken.removeLast(100)
        try writeFile("\(dir)/truncated.bin", broken)
        try writeFile("\(dir)/vectors.bin", Array(repeating: 7, count: 64))
        for (model, message) in [("missing.bin", "fastText model \"missing.bin\" not found"),
                                 ("truncated.bin", "truncated: output matrix"),
                                 ("vectors.bin", "not a fastText model (wrong magic number")] {
            try writeFile("\(dir)/spec.json", """
            {"name": "lid", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}],
             "steps": [{"type": "length"}, {"type": "language", "model": "\(model)"}], "output": {"dir": "out"}}
            """)
            let r = try CLI.run(["validate", "\(dir)/spec.json"])
            XCTAssertEqual(r.status, 2, r.stdout)
            XCTAssertTrue(r.stderr.contains("/steps/1/model: "), r.stderr)
            XCTAssertTrue(r.stderr.contains(message), r.stderr)
        }
    }

    /// A whole run through the CLI: every document annotated, the lineage view counts languages per source.
    func testRunAnnotatesEveryDocumentAndCountsLanguagesInLineage() throws {
        let dir = try makeTempDir(self)
        var web = "", books = ""
        for i in 0..<6 { web += jsonl("w\(i)", i % 3 == 0 ? german : english) }
        for i in 0..<4 { books += jsonl("b\(i)", german + " \(i)") }
        try writeFile("\(dir)/web/a.jsonl", web)
        try writeFile("\(dir)/books/b.jsonl.gz", books)
        try writeFile("\(dir)/spec.json", """
        {"name": "lid", "sources": [{"name": "web", "paths": ["web/*.jsonl"]}, {"name": "books", "paths": ["books/*.jsonl.gz"]}],
         "steps": [{"type": "language", "model": "\(tiny)", "keep": ["en"], "min_score": 0.5, "sources": {"books": {"keep": ["de"]}}}],
         "output": {"dir": "out"}}
        """)
        let run = try CLI.run(["run", "\(dir)/spec.json", "--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let counts = try CLI.run(["lineage", "--spec", "\(dir)/spec.json", "--csv",
                                  "select source, language, documents, kept from language_counts order by source, language"])
        XCTAssertEqual(counts.stdout, "source,language,documents,kept\nbooks,de,4,4\nweb,de,2,0\nweb,en,4,4\n", counts.stderr)
        let unannotated = try CLI.run(["lineage", "--spec", "\(dir)/spec.json", "--csv",
                                       "select count(*) as n from documents where json_extract(annotations, '$.language_score') is null"])
        XCTAssertEqual(unannotated.stdout, "n\n0\n")
    }
}
