import XCTest
import Foundation
@testable import Winnow

/// `decontaminate`: benchmark items found in documents by n-grams of normalised words — whatever their case,
/// punctuation, spacing, line breaks or compatibility forms — and not found when the overlap is one word short of n
/// or made of common n-grams; `remove` cuts only the matches and their window; lineage and `winnow contamination`
/// report what leaked where.
final class DecontaminateTests: XCTestCase {
    private var dir = ""
    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "winnow-decont-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// Items this test wrote: question, choices, answer.
    private let items = [
        #"{"id": "q1", "question": "Which gas do green plants take in from the air to make their food during photosynthesis in sunlight?", "choices": ["carbon dioxide", "oxygen", "helium"], "answer": "carbon dioxide"}"#,
        #"{"id": 413, "question": "How many minutes does the ferry take to cross the lake when the wind blows from the north in winter?", "choices": ["twenty", "forty"], "answer": "forty"}"#,
        #"{"id": "short", "question": "Name the capital of the Kingdom of Portugal today.", "choices": [], "answer": "Lisbon"}"#,
        #"{"id": "tiny", "question": "Yes or no?", "choices": [], "answer": "yes"}"#,
    ]

    private func step(_ extra: String = "", mode: String = "drop") throws -> Decontaminate {
        let evals = "\(dir)/evals.jsonl"
        try items.joined(separator: "\n").write(toFile: evals, atomically: true, encoding: .utf8)
        let json = #"{"type": "decontaminate", "mode": "\#(mode)", "against": [{"name": "bench", "path": "\#(evals)", "fields": ["question", "choices", "answer"], "id_field": "id"}]\#(extra)}"#
        guard case .document(let s) = try StepRegistry.build(try JSONParser.parse(json).decode(StepSpec.self), context: StepContext(baseDir: dir)),
              let d = s as? Decontaminate else { throw XCTSkip("not built") }
        return d
    }

    private func run(_ s: Decontaminate, _ text: String) -> (StepResult, Document) {
        var d = Document(id: "d", text: text, source: "web")
        let r = s.apply(&d)
        return (r, d)
    }

    private let question = "Which gas do green plants take in from the air to make their food during photosynthesis in sunlight?"

    func testItemsAreFoundWhateverTheirForm() throws {
        let s = try step()
        let filler = String(repeating: "The weather in the valley was mild and the market stayed open late into the evening. ", count: 20)
        let variants = [
            question,                                                                          // verbatim
            question.uppercased().replacingOccurrences(of: " ", with: " -- "),                 // case and punctuation
            question.replacingOccurrences(of: " ", with: "\n\t  "),                           // whitespace and line breaks
            filler + question + " " + filler,                                                  // inside a long document
            "Which gas do green plants take in from the air\n\nto make their food during photosynthesis in sunlight?",   // across a paragraph boundary
            "Ｗｈｉｃｈ ｇａｓ do green plants take in from the air to make their food during photosynthesis in sunlight",  // full-width forms (NFKC)
            "to make their food during photosynthesis in sunlight? carbon dioxide, oxygen, helium... carbon dioxide!",   // question's end, choices, answer
        ]
        for v in variants {
            let (r, d) = run(s, v)
            XCTAssertEqual(r, .drop(reason: "contaminated"), v)
            guard case .json(let j)? = d.annotations["contamination"] else { XCTFail("no contamination annotation: \(v)"); continue }
            XCTAssertTrue(j.hasPrefix(#"[{"benchmark":"bench","items":{"q1":"#), j)
        }
        // The 413th-style integer id, and its item found by its span in the text.
        let text = "Ferry times: how many minutes does the ferry take to cross the lake when the wind blows from the north in winter? Forty."
        let (r, d) = run(s, text)
        XCTAssertEqual(r, .drop(reason: "contaminated"))
        guard case .json(let j)? = d.annotations["contamination"] else { return XCTFail("no annotation") }
        XCTAssertTrue(j.contains(#""items":{"413":"#), j)
        let span = try XCTUnwrap(j.range(of: #"\[\[(\d+),(\d+)\]\]"#, options: .regularExpression)).lowerBound
        XCTAssertTrue(j[span...].hasPrefix("[[13,"), j)   // "how" is the 14th character
    }

    func testOverlapsShorterThanNAndCommonNGramsAreNotFound() throws {
        let s = try step()
        // Twelve words of the item (n = 13): not contamination.
        let twelve = "which gas do green plants take in from the air to make"
        XCTAssertEqual(EvalText.tokens(twelve).count, 12)
        XCTAssertEqual(run(s, "Quiz: " + twelve + " a cake? Nobody knew.").0, .keep)
        // Items shorter than n are matched whole; shorter than min_item_tokens (8), not at all.
        XCTAssertEqual(run(s, "Trivia: name the capital of the Kingdom of Portugal today. Lisbon, of course.").0, .drop(reason: "contaminated"))
        XCTAssertEqual(run(s, "Yes or no? Yes.").0, .keep)
        // An n-gram shared by more items than max_items, or in a stop phrase, is not looked for.
        let common = try step(#", "skip_common": {"max_items": 1}"#)
        XCTAssertEqual(common.index.stats.common, 0)
        let phrase = try step(#", "skip_common": {"phrases": ["Which gas do green plants take in from the air to make their food during photosynthesis"]}"#)
        XCTAssertGreaterThan(phrase.index.stats.stopListed, 0)
        XCTAssertEqual(run(phrase, "Which gas do green plants take in from the air to make their food during photosynthesis").0, .keep)
        XCTAssertEqual(run(phrase, question + " carbon dioxide").0, .drop(reason: "contaminated"), "the n-grams reaching past the phrase are still looked for")
    }

    func testNGramsSharedByManyItemsAreSkipped() throws {
        let evals = "\(dir)/many.txt"
        let shared = "according to the passage above which of the following statements best describes the main idea"
        try (1...12).map { "\(shared) of paragraph number \($0) in the reading section" }.joined(separator: "\n").write(toFile: evals, atomically: true, encoding: .utf8)
        let json = #"{"type": "decontaminate", "against": [{"name": "reading", "path": "\#(evals)"}], "skip_common": {"max_items": 10}}"#
        guard case .document(let s as Decontaminate) = try StepRegistry.build(try JSONParser.parse(json).decode(StepSpec.self)) else { return XCTFail() }
        XCTAssertEqual(s.index.items.count, 12)
        XCTAssertGreaterThan(s.index.stats.common, 0)
        XCTAssertEqual(run(s, "Exam tip: " + shared + " in your own words.").0, .keep)
        let (r, d) = run(s, shared + " of paragraph number 7 in the reading section")
        XCTAssertEqual(r, .drop(reason: "contaminated"))
        guard case .json(let j)? = d.annotations["contamination"] else { return XCTFail() }
        XCTAssertTrue(j.contains(#""items":{"7":"#), j)   // plain text: the line number is the id
    }

    func testRemoveCutsOnlyTheMatchAndItsWindow() throws {
        let s = try step(#", "window": 5"#, mode: "remove")
        let before = "Café notes, día 3 — we met at the pier.\n\n"
        let after = "\n\nLater the boat left at 5 p.m. and everyone went home."
        let (r, d) = run(s, before + question + after)
        XCTAssertEqual(r, .keep)
        let pieces = d.text.components(separatedBy: "\n")
        // The text outside the match and its 5-character windows is byte for byte what it was.
        // (The match ends with the item's last word, "sunlight"; its "?" is in the window.)
        let kept = Array(before.unicodeScalars).dropLast(5), tail = Array(("?" + after).unicodeScalars).dropFirst(5)
        XCTAssertEqual(d.text, String(String.UnicodeScalarView(kept)) + "\n" + String(String.UnicodeScalarView(tail)), pieces.description)
        guard case .int(let removed)? = d.annotations["contamination_removed_tokens"] else { return XCTFail() }
        XCTAssertEqual(removed, EvalText.tokens(question).count)
        // A document that is mostly the item goes whole; so does one cut into more than max_splits pieces.
        XCTAssertEqual(run(s, "Q: " + question).0, .drop(reason: "contaminated"))
        let splits = try step(#", "window": 0, "max_splits": 2, "max_removed_fraction": 1"#, mode: "remove")
        let many = (1...3).map { "Part \($0) of the long story goes here with plenty of words. " + question }.joined(separator: " ") + " The end of it all."
        XCTAssertEqual(run(splits, many).0, .drop(reason: "contaminated"))
        // annotate: kept, annotated, nothing removed.
        let annotate = try step(mode: "annotate")
        let (ra, da) = run(annotate, question)
        XCTAssertEqual(ra, .keep)
        XCTAssertEqual(da.text, question)
        XCTAssertEqual(da.annotations["contamination_removed_tokens"], .int(0))
    }

    /// A hash match is checked against the item's real words: a document whose word hashes equal an item's but whose
    /// words differ (what a collision would look like) is not contaminated.
    func testHashMatchesAreCheckedAgainstTheWords() throws {
        let s = try step()
        let other = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
        var tokens = EvalText.tokens(other)
        let item = EvalText.tokens(question)
        tokens.hashes = Array(item.hashes.prefix(tokens.count))
        XCTAssertGreaterThan(tokens.count, 13)
        XCTAssertTrue(s.matches(Array(other.unicodeScalars), tokens).isEmpty)
        XCTAssertFalse(s.matches(Array(question.unicodeScalars), item).isEmpty)
    }

    func testScriptsWithoutSpaces() throws {
        let evals = "\(dir)/zh.txt"
        try "光合作用是绿色植物利用阳光把二氧化碳和水转化为有机物并释放氧气的过程".write(toFile: evals, atomically: true, encoding: .utf8)
        let json = #"{"type": "decontaminate", "against": [{"name": "zh", "path": "\#(evals)", "format": "text"}]}"#
        guard case .document(let s as Decontaminate) = try StepRegistry.build(try JSONParser.parse(json).decode(StepSpec.self)) else { return XCTFail() }
        XCTAssertEqual(run(s, "课本上说：光合作用是绿色植物利用阳光，把二氧化碳和水转化为有机物。").0, .drop(reason: "contaminated"))
        XCTAssertEqual(run(s, "今天天气很好，我们去公园散步，看见很多绿色植物。").0, .keep)
    }

    func testBadBenchmarkFilesNameFileLineAndField() throws {
        let evals = "\(dir)/bad.jsonl"
        try "{\"question\": \"fine\", \"answer\": \"ok\"}\n{\"question\": 5.5e400, \"answer\": [1, {\"x\": 1}]}\n".write(toFile: evals, atomically: true, encoding: .utf8)
        let json = #"{"type": "decontaminate", "against": [{"name": "b", "path": "\#(evals)", "fields": ["question", "answer"]}]}"#
        XCTAssertThrowsError(try StepRegistry.build(try JSONParser.parse(json).decode(StepSpec.self))) { e in
            let message = "\(e)"
            XCTAssertTrue(message.contains("bad.jsonl:2"), message)
            XCTAssertTrue(message.contains("answer") || message.contains("question"), message)
        }
        let missingPath = "\(dir)/nope.jsonl"
        let missing = #"{"type": "decontaminate", "against": [{"name": "b", "path": "\#(missingPath)", "fields": ["q"]}]}"#
        XCTAssertThrowsError(try StepRegistry.build(try JSONParser.parse(missing).decode(StepSpec.self))) { XCTAssertTrue("\($0)".contains("nope.jsonl"), "\($0)") }
        let twice = #"{"type": "decontaminate", "against": [{"name": "b", "path": "\#(missingPath)", "fields": ["q"]}, {"name": "b", "path": "\#(missingPath)", "fields": ["q"]}]}"#
        XCTAssertThrowsError(try StepRegistry.build(try JSONParser.parse(twice).decode(StepSpec.self))) { XCTAssertTrue("\($0)".contains("named twice"), "\($0)") }
    }

    /// The example pipeline through the CLI, on two workers: lineage's views and `winnow contamination` agree with
    /// the documents the forum source really quotes.
    func testExamplePipelineAndReport() throws {
        let out = "\(dir)/out"
        let specText = try String(contentsOfFile: "\(repoRoot)/pipelines/decontaminate.json", encoding: .utf8)
            .replacingOccurrences(of: "\"../", with: "\"\(repoRoot)/")
            .replacingOccurrences(of: "\"\(repoRoot)/out/decontaminate\"", with: "\"\(out)\"")
        try specText.write(toFile: "\(dir)/spec.json", atomically: true, encoding: .utf8)
        let r = try CLI.run(["run", "\(dir)/spec.json", "--workers", "2", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let db = "\(out)/lineage.db"
        let rows = try CLI.run(["lineage", "--db", db, "--csv", "select benchmark, item_id, doc_id, status from contamination order by doc_id"])
        XCTAssertEqual(rows.stdout, "benchmark,item_id,doc_id,status\nscience-qa,sci-1,leak-1,kept\nscience-qa,sci-2,leak-2,dropped\nscience-qa,sci-4,leak-3,kept\ntown-trivia,3,leak-4,dropped\n")
        let c = try CLI.run(["contamination", "--db", db, "--json"])
        XCTAssertEqual(c.status, 0, c.stderr)
        guard case .object(let o) = try JSONParser.parse(Array(c.stdout.utf8)), case .array(let summary)? = o["summary"], case .array(let items)? = o["items"] else {
            return XCTFail(c.stdout)
        }
        XCTAssertEqual(summary.count, 2)
        XCTAssertEqual(items.count, 4)
        // tokens_removed is the sum of the documents' removed words.
        let sum = try CLI.run(["lineage", "--db", db, "--csv", "select sum(json_extract(annotations, '$.contamination_removed_tokens')) from documents"])
        let total = summary.compactMap { if case .object(let s) = $0 { return s["tokens_removed"]?.intValue } else { return nil } }.reduce(0, +)
        XCTAssertEqual(sum.stdout.split(separator: "\n").last.map(String.init), String(total))
        let table = try CLI.run(["contamination", "--db", db])
        XCTAssertTrue(table.stdout.contains("science-qa   sci-2"), table.stdout)
    }
}

extension DecontaminateTests {
    /// The ASCII fast path hashes exactly as the general path does.
    func testASCIIWordsHashAsTheirNormalisedForm() {
        let text = "Hello WORLD, it's 2024 — Straße ﬁne Ａｂｃ x\u{301}y"
        let t = EvalText.tokens(text)
        let s = Array(text.unicodeScalars)
        for k in 0..<t.count { XCTAssertEqual(t.hashes[k], EvalText.hash(EvalText.normalize(s[t.starts[k]..<t.ends[k]])), "word \(k)") }
        XCTAssertEqual(EvalText.words(text), ["hello", "world", "it", "s", "2024", "straße", "fine", "abc", "x\u{301}y".precomposedStringWithCompatibilityMapping])
    }

    /// Words normalised scalar by scalar (letters and digits with a one-scalar form) equal Foundation's NFKC and lower
    /// case of the whole word, and hash alike — over every word of the Declaration in its ~400 languages (scripts with
    /// and without spaces, combining marks, Hangul, Greek with final sigma) and words built to compose.
    func testScalarByScalarNormalisationEqualsFoundations() throws {
        var texts = ["ΟΔΟΣ ΟΔΟΣ Σοφία", "e\u{301}té café", "\u{1100}\u{1161}\u{11A8} 각", "İstanbul ǅemal ﬁne Ⅻ ①", "কো \u{09C7}\u{09BE}", "ＡＢＣ１２３"]
        let udhr = "\(repoRoot)/../shared/corpora/nltk_udhr2.jsonl.gz"
        if FileManager.default.fileExists(atPath: udhr) {
            let reader = LineReader(source: try openByteSource(path: udhr), maxLineBytes: 1 << 26, bufferBytes: 1 << 20)
            try reader.forEachLine { line in
                if case .text(let bytes) = line, case .object(let d) = try JSONParser.parse(Array(bytes)), let t = d["text"]?.stringValue { texts.append(t) }
                return true
            }
            XCTAssertGreaterThan(texts.count, 300)
        } else {
            print("DecontaminateTests: \(udhr) is absent (../shared is not beside the checkout); built words only")
        }
        var words = 0
        for text in texts {
            let s = Array(text.unicodeScalars)
            let t = EvalText.tokens(s)
            for k in 0..<t.count {
                let slice = s[t.starts[k]..<t.ends[k]]
                let slow = EvalText.slowNormalize(slice)
                XCTAssertEqual(EvalText.normalize(slice), slow, String(String.UnicodeScalarView(slice)))
                XCTAssertEqual(t.hashes[k], EvalText.hash(slow), String(String.UnicodeScalarView(slice)))
                words += 1
            }
        }
        XCTAssertGreaterThan(words, 20)
    }
}

extension DecontaminateTests {
    /// Items from a Parquet file's flat columns (here one Winnow writes: id, text, source, and `answer` from metadata),
    /// joined in the order `fields` gives, with their ids.
    func testParquetItems() throws {
        let path = "\(dir)/evals.parquet"
        let w = try ParquetShardWriter(path: path, compression: .zstd, level: nil, rowGroupBytes: 200)
        for k in 1...20 {
            try w.append(id: "p\(k)", text: "Question \(k): how many rivers cross the northern province of the old kingdom before the sea?",
                         source: "evals", metadata: Array(#"{"answer": "Exactly \#(k) rivers, counted on the oldest map of the province."}"#.utf8))
        }
        _ = try w.commit()
        let json = #"{"type": "decontaminate", "against": [{"name": "pq", "path": "\#(path)", "fields": ["text", "answer"], "id_field": "id"}]}"#
        guard case .document(let s as Decontaminate) = try StepRegistry.build(try JSONParser.parse(json).decode(StepSpec.self)) else { return XCTFail() }
        XCTAssertEqual(s.index.items.count, 20)
        XCTAssertEqual(s.index.items[6].id, "p7")
        let (r, d) = run(s, "Leaked: the province before the sea? Exactly 7 rivers, counted on the oldest map of the province. End.")
        XCTAssertEqual(r, .drop(reason: "contaminated"))
        guard case .json(let j)? = d.annotations["contamination"] else { return XCTFail("no annotation") }
        XCTAssertTrue(j.contains(#""items":{"p7":"#), j)
        let missing = #"{"type": "decontaminate", "against": [{"name": "pq", "path": "\#(path)", "fields": ["choices"]}]}"#
        XCTAssertThrowsError(try StepRegistry.build(try JSONParser.parse(missing).decode(StepSpec.self))) { XCTAssertTrue("\($0)".contains("no column \"choices\""), "\($0)") }
    }

    /// Items whose `choices` is a Parquet list column, as MMLU's Parquet on the Hub has it: files pyarrow wrote
    /// (Fixtures/parquet/make_parquet.py: dictionary or plain, data pages v1 and v2, lists crossing pages, null and
    /// empty lists, null elements, a list of integers) give each row's question, then its choices, then its scores,
    /// in the order pyarrow reads them (lists.items.json).
    func testParquetListItems() throws {
        let fixtures = "\(repoRoot)/Tests/WinnowTests/Fixtures/parquet"
        guard case .object(let expected) = try JSONParser.parse(readFileBytes("\(fixtures)/lists.items.json")) else { return XCTFail("lists.items.json") }
        XCTAssertEqual(expected.keys.count, 4)
        for name in expected.keys {
            let rows = expected[name]?.arrayValue ?? []
            let b = try JSONParser.parse(#"{"name": "l", "path": "\#(fixtures)/\#(name).parquet", "fields": ["question", "choices", "scores"], "id_field": "id"}"#)
                .decode(Decontaminate.Benchmark.self)
            let items = try EvalItems.read(path: "\(fixtures)/\(name).parquet", benchmark: b)
            let want = rows.map { (r: JSONValue) -> (String, String) in
                let id = r["id"]?.stringValue ?? ""
                let parts = [r["question"]?.stringValue ?? ""] + (r["choices"]?.arrayValue ?? []).compactMap(\.stringValue)
                    + (r["scores"]?.arrayValue ?? []).compactMap { $0.intValue.map(String.init) }
                return (id, parts.joined(separator: "\n"))
            }
            XCTAssertEqual(want.count, 40, name)
            XCTAssertEqual(items.map { $0.id }, want.map { $0.0 }, name)
            XCTAssertEqual(items.map { $0.text }, want.map { $0.1 }, name)
        }
        // A list of structs is not a list of scalars: named, not guessed at.
        let types = "\(fixtures)/types.parquet"
        let nested = #"{"type": "decontaminate", "against": [{"name": "t", "path": "\#(types)", "fields": ["text", "info"]}]}"#
        XCTAssertThrowsError(try StepRegistry.build(try JSONParser.parse(nested).decode(StepSpec.self))) { XCTAssertTrue("\($0)".contains("no column \"info\""), "\($0)") }
    }
}
