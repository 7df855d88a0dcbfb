import Foundation
import XCTest
@testable import Winnow

/// `winnow report` (issue 26): the page for the quickstart run after a training and a decoding sweep, checked by
/// scripts/check-report.py (Python's HTML parser and sqlite3, not Winnow's code): every section there, every table
/// equal to its query re-run on the lineage file, nothing loaded from anywhere; and hostile strings escaped.
final class ReportTests: XCTestCase {
    /// The real quickstart spec, in a copy of the repository's layout (pipelines/ beside examples/) in `dir`.
    private func quickstart(_ dir: String) throws -> String {
        try FileManager.default.createDirectory(atPath: "\(dir)/pipelines", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(repoRoot)/pipelines/quickstart.json", toPath: "\(dir)/pipelines/quickstart.json")
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/examples", withDestinationPath: "\(repoRoot)/examples")
        return "\(dir)/pipelines/quickstart.json"
    }

    private func check(_ report: String) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "\(repoRoot)/scripts/check-report.py", report, "--sections", RunReport.sections.joined(separator: ",")]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, out)
    }

    func testQuickstartReportHasEverySectionAndEveryNumberIsItsQuery() throws {
        let dir = try makeTempDir(self)
        let spec = try quickstart(dir)
        let run = try CLI.run(["run", spec, "--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let train = try CLI.run(["train", spec, "--steps", "30", "--eval-every", "10", "--threads", "2", "--quiet"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let sweep = try CLI.run(["sample", "\(dir)/out/quickstart/model.ckpt", "--sweep", "--prompt-count", "3", "--num-samples", "2", "--max-new-tokens", "8"])
        XCTAssertEqual(sweep.status, 0, sweep.stderr)
        let report = try CLI.run(["report", "--spec", spec, "-o", "\(dir)/report.html"])
        XCTAssertEqual(report.status, 0, report.stderr)
        let html = try readText("\(dir)/report.html")
        let db = "\(dir)/out/quickstart/lineage.db"

        // Structure and numbers, checked outside Winnow.
        let (status, out) = try check("\(dir)/report.html")
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("checked "), out)
        // The figures hold what the run printed: the funnel's first step reads every document, the drop table has
        // the quickstart's reasons, the mixture its three sources.
        let runID = try lineageRows(db, "select run_id from runs")[0][0]
        XCTAssertTrue(report.stdout.contains(runID), report.stdout)
        let docsIn = try lineageRows(db, "select docs_in from runs")[0][0]
        XCTAssertTrue(html.contains("<td class=\"n\">\(docsIn)</td>"), "the overview's docs_in")
        for reason in ["min_chars", "duplicate", "invalid_json", "invalid_utf8"] { XCTAssertTrue(html.contains("<td>\(reason)</td>"), reason) }
        for source in ["web", "forum", "books"] { XCTAssertTrue(html.contains("<td>\(source)</td>"), source) }
        // Three examples per drop reason, read back from the inputs: the min_chars ones are short documents.
        let minChars = html.components(separatedBy: "<h3>length: min_chars</h3>")[1].components(separatedBy: "<h3>")[0]
        XCTAssertEqual(minChars.components(separatedBy: "<div class=\"doc\">").count - 1, 3)
        XCTAssertFalse(minChars.contains("no excerpt"), minChars)
        // A bad line is shown as its bytes: the invalid UTF-8 one with its bad byte escaped.
        let badUTF8 = html.components(separatedBy: "<h3>reader: invalid_utf8</h3>")[1].components(separatedBy: "<h3>")[0]
        XCTAssertTrue(badUTF8.contains("\\x"), badUTF8)
        // Training curves, per-source validation and the sweep's chart with its frontier.
        XCTAssertTrue(html.contains("loss per step"))
        XCTAssertTrue(html.contains("validation loss per source"))
        XCTAssertTrue(html.contains("Creativity against coherence"))
        XCTAssertEqual(try lineageRows(db, "select count(*) > 0 from decoding_sweeps where frontier = 1"), [["1"]])
        // Light and dark, phone width.
        XCTAssertTrue(html.contains("prefers-color-scheme: dark"))
        XCTAssertTrue(html.contains("name=\"viewport\""))
        // Views the report reads give the funnel: the first step's documents in are the documents read.
        XCTAssertEqual(try lineageRows(db, "select docs_in from step_funnel where step_index = 0"), [[docsIn]])
        XCTAssertEqual(try lineageRows(db, "select count(*) from step_funnel where tokens_in is null"), [["0"]])
    }

    /// `<script>` and quotes in a document's text and id, and (written into lineage as another tool or an older
    /// Winnow could) in a source name and a drop reason: all shown as text, none as markup.
    func testHostileStringsAreEscapedEverywhere() throws {
        let dir = try makeTempDir(self)
        let hostile = #"<script>alert("x")</script> it's"#
        try writeFile("\(dir)/data/d.jsonl", jsonl(#"id-<script>\"q\"</script>"#, hostile)
                      + jsonl("long", "a long enough document with several words in it, kept by the length step")
                      + "{\"id\": \"bad\", \"text\": \"<script>alert('bad')</script>\n")
        try writeFile("\(dir)/spec.json", """
        {"name": "esc", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}], "steps": [{"type": "length", "min_chars": 40}],
         "output": {"dir": "out"}, "on_error": "skip", "max_error_fraction": 1}
        """)
        try runSpec("\(dir)/spec.json")
        let db = "\(dir)/out/lineage.db"
        // Rename the source and the reason in lineage to hostile strings.
        let sqlite = try SQLiteDatabase(path: db)
        let evilSource = #"<script>alert('s')</script>"src"#, evilReason = #"<img src=x onerror="alert(1)">'r"#
        for table in ["documents", "source_stats", "inputs", "errors", "run_counts"] {
            try sqlite.run("UPDATE \(table) SET source = ?", [.text(evilSource)])
        }
        try sqlite.run(#"UPDATE runs SET spec_json = replace(spec_json, '"name":"web"', '"name":' || json_quote(?))"#, [.text(evilSource)])
        try sqlite.run("UPDATE documents SET reason = ? WHERE status = 'dropped'", [.text(evilReason)])
        try sqlite.run("UPDATE run_counts SET reason = ? WHERE status = 'dropped'", [.text(evilReason)])
        let r = try CLI.run(["report", "--db", db, "-o", "\(dir)/report.html"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let html = try readText("\(dir)/report.html")
        XCTAssertFalse(html.lowercased().contains("<script"), "raw <script> in the page")
        XCTAssertFalse(html.contains("<img"), "raw <img> in the page")
        XCTAssertFalse(html.contains(#"alert("x")"#))
        XCTAssertTrue(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; it&#39;s"), "the document's text, escaped")
        XCTAssertTrue(html.contains("&lt;script&gt;alert(&#39;s&#39;)&lt;/script&gt;&quot;src"), "the source name, escaped")
        XCTAssertTrue(html.contains("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;r"), "the reason, escaped")
        XCTAssertTrue(html.contains("&lt;script&gt;alert(&#39;bad&#39;)&lt;/script&gt;"), "the bad line's bytes, escaped")
        let (status, out) = try check("\(dir)/report.html")
        XCTAssertEqual(status, 0, out)
    }

    func testExcerptsScrubPersonalDataAndEscapeBadBytes() {
        let e = DocumentExcerpts(specJSON: "{}", specPath: "/nonexistent/spec.json")
        let opening = e.opening("Write to ana.silva@example.com.br or call +55 11 98765-4321 today. " + String(repeating: "x", count: 400))
        XCTAssertFalse(opening.contains("ana.silva@example.com.br"), opening)
        XCTAssertTrue(opening.contains("<EMAIL>"), opening)
        XCTAssertEqual(opening.count, DocumentExcerpts.characters)
        XCTAssertEqual(Escape.bytes([0x61, 0xFF, 0x0A, 0xC3, 0xA9, 0xE2, 0x80]), "a\\xFF\\x0Aé\\xE2\\x80")
        XCTAssertEqual(Escape.html(#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
    }

    /// The histograms' red lines: a step parameter min_X / max_X on the metric its step annotates.
    func testThresholdsFindTheirMetric() throws {
        let spec = try JSONParser.parse(Array("""
            {"steps": [{"type": "length", "min_chars": 60, "max_chars": 1e5, "min_words": 8}, {"type": "language", "min_score": 0.65},
                       {"type": "gopher_quality", "min_doc_words": 50, "max_avg_word_length": 10}]}
            """.utf8))
        func t(_ m: String) -> [String] { RunReport.thresholds(spec, metric: m).map { "\($0.label)=\($0.value)" } }
        XCTAssertEqual(t("chars"), ["length.min_chars=60.0", "length.max_chars=100000.0"])
        XCTAssertEqual(t("words"), ["length.min_words=8.0"])
        XCTAssertEqual(t("language_score"), ["language.min_score=0.65"])
        XCTAssertEqual(t("gopher_words"), ["gopher_quality.min_doc_words=50.0"])
        XCTAssertEqual(t("gopher_avg_word_length"), ["gopher_quality.max_avg_word_length=10.0"])
        XCTAssertEqual(t("perplexity"), [])
    }

    func testNoRunAndAmbiguousRunAreClearErrors() throws {
        let dir = try makeTempDir(self)
        let none = try CLI.run(["report", "--db", "\(dir)/nothing.db", "-o", "\(dir)/r.html"])
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.stderr.contains("no lineage file here"), none.stderr)
        try writeFile("\(dir)/data/d.jsonl", jsonl("a", "a document"))
        try writeFile("\(dir)/spec.json", #"{"name": "n", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}], "output": {"dir": "out"}}"#)
        try runSpec("\(dir)/spec.json")
        let wrong = try CLI.run(["report", "--db", "\(dir)/out/lineage.db", "nope", "-o", "\(dir)/r.html"])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("no run nope"), wrong.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/r.html"))
    }
}
