import XCTest
@testable import Winnow

/// `"thresholds": "fineweb2"` and `by_language`: each document filtered by its language's standard — FineWeb-2's
/// published values as fineweb-2-pipeline.py sets them, the user's own, or the step's — and the standard named in the
/// `thresholds` annotation.
final class PerLanguageTests: XCTestCase {
    private let tiny = "\(repoRoot)/Tests/WinnowTests/Fixtures/fasttext/tiny_softmax.bin"
    /// Folha de S. Paulo-like prose: Portuguese stop words, none of Gopher's English ones.
    private let portuguese = String(repeating: "O governo anunciou hoje que a reforma da previdência será votada em março pelo Congresso, e os deputados da oposição disseram que vão apresentar emendas ao texto. ", count: 6)
    private let english = String(repeating: "The council said on Monday that the new bridge will be open to traffic by the end of the year, and that the old one will be closed for repairs. ", count: 6)

    private func step(_ json: String) throws -> DocumentStep {
        guard case .document(let s) = try StepRegistry.build(try JSONParser.parse(json).decode(StepSpec.self)) else { throw Unexpected() }
        return s
    }
    private struct Unexpected: Error {}

    private func apply(_ s: DocumentStep, _ text: String, language: String?) -> (StepResult, Document) {
        var d = Document(id: "1", text: text, source: "s")
        if let language { d.annotations["language"] = .string(language) }
        let r = s.apply(&d)
        return (r, d)
    }

    /// The shipped table: every lid.176 label but English, under FineWeb-2's names, with its published values.
    func testTheTableCoversLid176AndHoldsThePublishedValues() throws {
        let labels = Dictionary(uniqueKeysWithValues: FineWeb2.labels.map { ($0.label, $0.config) })
        XCTAssertEqual(labels.count, 175)
        XCTAssertNil(labels["en"], "FineWeb-2 has no English config: English is FineWeb's")
        for (label, config) in [("pt", "por_Latn"), ("zh", "cmn_Hani"), ("ja", "jpn_Jpan"), ("ar", "arb_Arab"), ("sq", "als_Latn"),
                                ("als", "gsw_Latn"), ("ku", "kmr_Latn"), ("sh", "srp_Latn"), ("sr", "srp_Cyrl"), ("no", "nob_Latn")] {
            XCTAssertEqual(labels[label], config, label)
        }
        // configs/por_Latn.yml
        let pt = try XCTUnwrap(FineWeb2.entries["pt"])
        XCTAssertEqual(pt.values["dup_line_frac"], .number(0.287))
        XCTAssertEqual(pt.values["line_punct_thr"], .number(0.077))
        XCTAssertEqual(pt.values["max_non_alpha_words_ratio"], .number(0.814))
        XCTAssertEqual(pt.values["top_n_grams"], .array([[2, 0.371], [3, 0.191], [4, 0.163]]))
        XCTAssertEqual(Array(pt.values["stopwords"]?.arrayValue?.prefix(4) ?? []), ["de", "a", "e", "o"])
        // A GlotLID label finds the same entry.
        XCTAssertEqual(FineWeb2.entries["por_Latn"]?.config, "por_Latn")
    }

    /// Each filter gets exactly what fineweb-2-pipeline.py passes it: the language's values and the fixed settings.
    func testEachFilterIsConfiguredAsFineWeb2sPipelineConfiguresIt() throws {
        func variant<T>(_ type: String, _ language: String, as _: T.Type) throws -> T {
            let s = try XCTUnwrap(try step(#"{"type": "\#(type)", "thresholds": "fineweb2"}"#) as? PerLanguageStep)
            XCTAssertEqual(s.byLanguage[language]?.label, "fineweb2:\(FineWeb2.entries[language]!.config)")
            return try XCTUnwrap(s.byLanguage[language]?.step as? T)
        }
        let rep = try variant("gopher_repetition", "pt", as: GopherRepetition.self).parameters
        XCTAssertEqual([rep.dupParaFrac, rep.dupLineCharFrac, rep.dupParaCharFrac], [0, 0, 0])
        XCTAssertEqual(rep.dupLineFrac, 0.287)
        XCTAssertEqual(rep.topNGrams, [[2, 0.371], [3, 0.191], [4, 0.163]])
        XCTAssertEqual(rep.dupNGrams.first, [5, 0.163])
        let fw = try variant("fineweb_quality", "pt", as: FineWebQuality.self).parameters
        XCTAssertEqual(fw.shortLineThreshold, 999)
        XCTAssertEqual(fw.charDuplicatesRatio, 0.1)
        XCTAssertEqual(fw.linePunctThreshold, 0.077)
        XCTAssertEqual(fw.newLineRatio, 0.186)
        let gq = try variant("gopher_quality", "ja", as: GopherQuality.self).parameters
        XCTAssertEqual([gq.minAvgWordLength, gq.maxAvgWordLength], [1, 6])
        XCTAssertEqual(gq.minStopWords, 2)
        XCTAssertEqual(gq.stopWords.first, "の")
        // Not FineWeb-2's: the step's own values, and the C4 filters, which FineWeb-2 does not run.
        XCTAssertEqual(try XCTUnwrap(try step(#"{"type": "gopher_quality", "thresholds": "fineweb2", "max_doc_words": 5000}"#) as? PerLanguageStep)
                        .byLanguage["pt"].flatMap { ($0.step as? GopherQuality)?.parameters.maxDocWords }, 5000)
        XCTAssertEqual((try step(#"{"type": "c4_quality", "thresholds": "fineweb2"}"#) as? PerLanguageStep)?.byLanguage.count, 0)
        // Without either key the step is the plain one.
        XCTAssertTrue(try step(#"{"type": "gopher_quality"}"#) is GopherQuality)
    }

    /// Portuguese prose fails Gopher's English stop words and passes Portuguese ones; English keeps the default.
    func testDocumentsAreFilteredByTheirLanguagesStandard() throws {
        let plain = try step(#"{"type": "gopher_quality"}"#)
        XCTAssertEqual(apply(plain, portuguese, language: "pt").0, .drop(reason: "gopher_enough_stop_words"))
        let s = try step(#"{"type": "gopher_quality", "thresholds": "fineweb2"}"#)
        let (pt, dpt) = apply(s, portuguese, language: "pt")
        XCTAssertEqual(pt, .keep)
        XCTAssertEqual(dpt.annotations["thresholds"], .string("fineweb2:por_Latn"))
        let (en, den) = apply(s, english, language: "en")
        XCTAssertEqual(en, .keep)
        XCTAssertEqual(den.annotations["thresholds"], .string("default"))
        // No language annotation (no `language` step before): the step's own values.
        XCTAssertEqual(apply(s, portuguese, language: nil).0, .drop(reason: "gopher_enough_stop_words"))
        XCTAssertEqual(apply(s, portuguese, language: nil).1.annotations["thresholds"], .string("default"))
    }

    /// Without a `language` step, the input's own `language` field decides (FineWeb-2's published data carries one);
    /// it is kept as the annotation.
    func testTheInputsLanguageFieldIsRead() throws {
        let s = try step(#"{"type": "gopher_quality", "thresholds": "fineweb2"}"#)
        var d = Document(id: "1", text: portuguese, source: "s", metadata: Array(#"{"language": "pt", "url": "https://example.com.br"}"#.utf8))
        XCTAssertEqual(s.apply(&d), .keep)
        XCTAssertEqual(d.annotations["language"], .string("pt"))
        XCTAssertEqual(d.annotations["thresholds"], .string("fineweb2:por_Latn"))
        // A GlotLID-style field finds the same values.
        var g = Document(id: "2", text: portuguese, source: "s", metadata: Array(#"{"language": "por_Latn"}"#.utf8))
        XCTAssertEqual(s.apply(&g), .keep)
        XCTAssertEqual(g.annotations["thresholds"], .string("fineweb2:por_Latn"))
    }

    /// Stop words are compared code point by code point, as datatrove's Python sets compare: `é` written as `e` and a
    /// combining accent is not the stop word `é`.
    func testStopWordsCompareCodePoints() throws {
        let s = try step(#"{"type": "gopher_quality", "min_doc_words": 1, "min_stop_words": 1, "stop_words": ["\u00e9"], "max_non_alpha_words_ratio": 0, "min_avg_word_length": 0}"#)
        XCTAssertEqual(apply(s, "Ele \u{e9} bom", language: nil).0, .keep)
        XCTAssertEqual(apply(s, "Ele e\u{301} bom", language: nil).0, .drop(reason: "gopher_enough_stop_words"))
    }

    /// The user's values win over FineWeb-2's, key by key; FineWeb-2's others stay.
    func testUserOverridesWin() throws {
        let s = try step(#"{"type": "gopher_quality", "thresholds": "fineweb2", "by_language": {"pt": {"min_stop_words": 40}, "en": {"stop_words": ["zzz"]}}}"#)
        let (pt, dpt) = apply(s, portuguese, language: "pt")
        XCTAssertEqual(pt, .drop(reason: "gopher_enough_stop_words"))
        XCTAssertEqual(dpt.annotations["thresholds"], .string("user:pt"))
        // FineWeb-2's Portuguese list is still the one counted: que, a, da, em, e (none of Gopher's English eight).
        XCTAssertEqual(dpt.annotations["gopher_stop_words"], .int(5))
        XCTAssertEqual(apply(s, english, language: "en").0, .drop(reason: "gopher_enough_stop_words"))
        // by_language alone (thresholds default): only the languages named differ.
        let own = try step(#"{"type": "gopher_quality", "by_language": {"pt": {"stop_words": ["a", "o", "que", "de"]}}}"#)
        XCTAssertEqual(apply(own, portuguese, language: "pt").0, .keep)
        XCTAssertEqual(apply(own, portuguese, language: "pt").1.annotations["thresholds"], .string("user:pt"))
        XCTAssertEqual(apply(own, portuguese, language: "es").1.annotations["thresholds"], .string("default"))
    }

    /// The `language` step: per-language min_score from by_language; FineWeb-2's language_score only for GlotLID
    /// labels, never lid.176's.
    func testLanguageStepThresholds() throws {
        let text = "das Haus steht neben dem Fluss und wir gehen jeden Morgen mit unserem alten Hund dorthin"
        let strict = try step(#"{"type": "language", "model": "\#(tiny)", "min_score": 0.1, "by_language": {"de": {"min_score": 0.999999}}}"#)
        let (r, d) = apply(strict, text, language: nil)
        XCTAssertEqual(r, .drop(reason: "language_low_score"))
        XCTAssertEqual(d.annotations["thresholds"], .string("user:de"))
        let fw2 = try step(#"{"type": "language", "model": "\#(tiny)", "min_score": 0.1, "thresholds": "fineweb2"}"#)
        let (r2, d2) = apply(fw2, text, language: nil)
        XCTAssertEqual(r2, .keep)
        XCTAssertEqual(d2.annotations["thresholds"], .string("default"), "lid.176-style labels get no GlotLID threshold")
    }

    /// The spec is checked: an override of a parameter the step does not have is an error naming it.
    func testUnknownOverrideIsRejected() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/in.jsonl", #"{"id": "1", "text": "x"}"# + "\n")
        try writeFile("\(dir)/spec.json", #"{"name": "t", "sources": [{"name": "s", "paths": ["in.jsonl"]}], "steps": [{"type": "gopher_quality", "thresholds": "fineweb2", "by_language": {"pt": {"min_stopwords": 2}}}], "output": {"dir": "out"}}"#)
        let r = try CLI.run(["validate", "\(dir)/spec.json"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue((r.stdout + r.stderr).contains("min_stopwords"), r.stdout + r.stderr)
    }
}
