import Foundation
import XCTest
@testable import Winnow

/// Issue 17, item 2: remixing without recleaning. A re-run whose spec changed only in what the token phase reads, over
/// unchanged inputs, keeps the cleaned shards and redoes only the token phase — writing exactly what a full run of
/// that spec writes; `winnow remix OUTPUT_DIR --mixture FILE` does the same from a mixture file.
final class RemixTests: XCTestCase {
    let data = "\(repoRoot)/examples/data"

    /// A two-source spec with token shards; `mix` is spliced in at the top level (weights go in `weights`).
    private func spec(_ dir: String, weights: (Double, Double) = (0.5, 0.5), minChars: Int = 60, mix: String = "") throws -> String {
        try writeFile("\(dir)/spec.json", """
        {"name": "remix", "seed": 3, "sources": [
          {"name": "web", "paths": ["\(data)/web/*.jsonl.gz"], "weight": \(weights.0)},
          {"name": "forum", "paths": ["\(data)/forum/*.jsonl.zst"], "text_field": "body", "id_field": "post_id", "weight": \(weights.1), "max_epochs": 3}],
         "steps": [{"type": "length", "min_chars": \(minChars), "min_words": 8}, {"type": "exact_dedup"}],
         "tokenizer": {"train": {"vocab_size": 700}},
         \(mix)
         "output": {"dir": "out", "formats": ["jsonl", "llmc"], "shard_docs": 40, "val_fraction": 0.1}}
        """)
        return "\(dir)/spec.json"
    }

    /// Every file of a token output: token shards, tokenizer, text shards, manifest.
    private func outputFiles(_ out: String) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: "\(out)/llmc") { files["llmc/\(name)"] = try readFileBytes("\(out)/llmc/\(name)") }
        for name in try FileManager.default.contentsOfDirectory(atPath: out) where name.hasPrefix("shard-") || name == "tokenizer.json" || name == "manifest.json" {
            files[name] = try readFileBytes("\(out)/\(name)")
        }
        return files
    }

    private func mtimes(_ out: String) throws -> [String: Date] {
        var m: [String: Date] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: out) where name.hasPrefix("shard-") {
            m[name] = try FileManager.default.attributesOfItem(atPath: "\(out)/\(name)")[.modificationDate] as? Date
        }
        return m
    }

    func testARerunWithNewWeightsKeepsTheCleaningAndWritesWhatAFullRunWrites() throws {
        let dir = try makeTempDir(self)
        let first = try runSpec(try spec(dir))
        XCTAssertNil(first.cleaningRunID)
        let db = "\(dir)/out/lineage.db"
        let before = try mtimes("\(dir)/out")
        XCTAssertGreaterThan(before.count, 3)

        // New weights, a total, and a curriculum on an annotation (read back from the copied lineage rows).
        let mix = #""curriculum": {"score": "words", "buckets": ["short", "long"]},"#
        let second = try runSpec(try spec(dir, weights: (0.8, 0.2), mix: mix))
        XCTAssertEqual(second.cleaningRunID, first.runID)
        XCTAssertEqual(try mtimes("\(dir)/out"), before, "the text shards are kept, not written again")
        XCTAssertEqual(second.documentsIn, first.documentsIn)
        XCTAssertEqual(second.documentsOut, first.documentsOut)
        XCTAssertEqual(try lineageRows(db, "select cleaning_run_id from runs where run_id = '\(second.runID)'"), [[first.runID]])
        // The cleaning rows are the first run's, copied: documents, errors, step and source counts, shards.
        for (table, cols) in [("documents", "source, doc_id, input, line, status, step, reason, annotations, shard, position, dup_of"),
                              ("errors", "source, input, line, reason, message"), ("step_stats", "step_index, step, docs_in, docs_out, dropped"),
                              ("source_stats", "source, docs_in, errors, docs_out"), ("shards", "shard, path, docs, bytes, sha256, sources, input")] {
            let a = try lineageRows(db, "select \(cols) from \(table) where run_id = '\(first.runID)' order by 1, 2, 3")
            XCTAssertFalse(a.isEmpty, table)
            XCTAssertEqual(try lineageRows(db, "select \(cols) from \(table) where run_id = '\(second.runID)' order by 1, 2, 3"), a, table)
        }
        XCTAssertEqual(try lineageRows(db, "select source, round(target, 2) from mixture_rows where run_id = '\(second.runID)' and bucket is null order by source"),
                       [["forum", "0.2"], ["web", "0.8"]])
        XCTAssertEqual(try lineageRows(db, "select count(*) from curriculum_buckets where run_id = '\(second.runID)'"), [["2"]])
        XCTAssertEqual(try ShardInspector(dir: "\(dir)/out").inspect().problems, [])

        // A full run of the same spec elsewhere writes the same bytes and the same token rows.
        let other = try makeTempDir(self, name + "-full")
        let full = try runSpec(try spec(other, weights: (0.8, 0.2), mix: mix))
        XCTAssertNil(full.cleaningRunID)
        XCTAssertEqual(try outputFiles("\(other)/out"), try outputFiles("\(dir)/out"))
        let cols = "source, doc_id, split, shard, sequence, token_offset, tokens, epoch, bucket, replay"
        XCTAssertEqual(try lineageRows("\(other)/out/lineage.db", "select \(cols) from document_tokens order by split, shard, sequence"),
                       try lineageRows(db, "select \(cols) from document_tokens where run_id = '\(second.runID)' order by split, shard, sequence"))
    }

    func testWhatChangesTheCleaningIsCleanedAgainAndSaysWhy() throws {
        let dir = try makeTempDir(self)
        let path = try spec(dir)
        let first = try CLI.run(["run", path, "--quiet"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertFalse(first.stderr.contains("cleaning the inputs"), "nothing to say on a first run: \(first.stderr)")

        // A step changed.
        _ = try spec(dir, minChars: 80)
        let stepChanged = try CLI.run(["run", path, "--quiet"])
        XCTAssertEqual(stepChanged.status, 0, stepChanged.stderr)
        XCTAssertTrue(stepChanged.stderr.contains("cannot be kept, as the spec differs from run") && stepChanged.stderr.contains("in more than the mix (steps)"), stepChanged.stderr)
        XCTAssertFalse(stepChanged.stdout.contains("cleaning: kept"), stepChanged.stdout)

        // A shard's bytes changed (same size), then a shard gone: refused by remix, cleaned again by run.
        try writeFile("\(dir)/m.json", #"{"sources": {"web": {"weight": 2}}}"#)
        let shard = "\(dir)/out/shard-00001.jsonl.zst"
        var bytes = try readFileBytes(shard)
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: shard))     // raw bytes (writeFile would compress by suffix)
        let tampered = try CLI.run(["remix", "\(dir)/out", "--mixture", "\(dir)/m.json", "--quiet"])
        XCTAssertEqual(tampered.status, 1)
        XCTAssertTrue(tampered.stderr.contains("cannot remix without cleaning again: shard shard-00001.jsonl.zst of run") && tampered.stderr.contains("has other bytes"), tampered.stderr)
        try FileManager.default.removeItem(atPath: shard)
        let gone = try CLI.run(["remix", "\(dir)/out", "--mixture", "\(dir)/m.json", "--quiet"])
        XCTAssertTrue(gone.stderr.contains("shard-00001.jsonl.zst of run") && gone.stderr.contains("is gone"), gone.stderr)
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select count(*) from runs"), [["2"]], "a refused remix records no run")
        let again = try CLI.run(["run", path, "--quiet"])
        XCTAssertTrue(again.stderr.contains("is gone"), again.stderr)
        XCTAssertEqual(again.status, 0, again.stderr)

        // An input touched (new modification time): cleaned again.
        let input = "\(dir)/web.jsonl"
        try writeFile(input, jsonl("w1", "a web page with enough words in it to pass the length filter of this pipeline at sixty characters"))
        try writeFile(path, try readText(path).replacingOccurrences(of: "\"\(data)/web/*.jsonl.gz\"", with: "\"\(data)/web/*.jsonl.gz\", \"web.jsonl\""))
        XCTAssertEqual(try CLI.run(["run", path, "--quiet"]).status, 0)
        let kept = try CLI.run(["remix", "\(dir)/out", "--mixture", "\(dir)/m.json", "--quiet"])
        XCTAssertEqual(kept.status, 0, kept.stderr)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: input)
        let touched = try CLI.run(["remix", "\(dir)/out", "--mixture", "\(dir)/m.json", "--quiet"])
        XCTAssertEqual(touched.status, 1)
        XCTAssertTrue(touched.stderr.contains("the inputs changed since run"), touched.stderr)
        // --reclean cleans again even when the cleaning could be kept.
        XCTAssertEqual(try CLI.run(["run", path, "--quiet"]).status, 0)
        let reclean = try CLI.run(["run", path, "--quiet", "--reclean"])
        XCTAssertFalse(reclean.stdout.contains("cleaning: kept"), reclean.stdout)
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select cleaning_run_id is null from runs order by started_at desc, rowid desc limit 1"), [["1"]])
    }

    func testRemixCommand() throws {
        let dir = try makeTempDir(self)
        let path = try spec(dir)
        XCTAssertEqual(try CLI.run(["run", path, "--quiet"]).status, 0)
        let db = "\(dir)/out/lineage.db"
        let first = try lineageRows(db, "select run_id from runs")[0][0]
        try writeFile("\(dir)/m.json", """
            {"sources": {"forum": {"weight": 3, "max_epochs": null}}, "mixture": {"on_shortfall": "shrink"},
             "curriculum": {"score": "length", "buckets": ["a", "b"]}, "output": {"total_tokens": 20000}}
            """)
        let shown = try CLI.run(["remix", "\(dir)/out", "--mixture", "\(dir)/m.json", "--print-spec"])
        XCTAssertEqual(shown.status, 0, shown.stderr)
        let remixed = try JSONParser.parse(shown.stdout)
        XCTAssertEqual(remixed["sources"]?.arrayValue?[1]["weight"], .number(3))
        XCTAssertNil(remixed["sources"]?.arrayValue?[1]["max_epochs"], "null removes a key")
        XCTAssertEqual(remixed["output"]?["total_tokens"], .number(20000))
        XCTAssertEqual(remixed["steps"].map(JSONWriter.canonical), try JSONParser.parse(readFileBytes(path))["steps"].map(JSONWriter.canonical))
        XCTAssertEqual(try lineageRows(db, "select count(*) from runs"), [["1"]], "--print-spec runs nothing")

        let r = try CLI.run(["remix", "\(dir)/out", "--mixture", "\(dir)/m.json", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("cleaning: kept the cleaned shards of run \(first)"), r.stdout)
        let id = try lineageRows(db, "select run_id from runs where run_id != '\(first)'")[0][0]
        XCTAssertEqual(try lineageRows(db, "select cleaning_run_id, json_extract(spec_json, '$.sources[1].weight'), json_extract(spec_json, '$.output.total_tokens') from runs where run_id = '\(id)'"),
                       [[first, "3", "20000"]])
        XCTAssertEqual(try lineageRows(db, "select round(target, 2) from mixture_rows where run_id = '\(id)' and bucket is null order by source"), [["0.86"], ["0.14"]])
        XCTAssertEqual(try lineageRows(db, "select count(*) = (select count(*) from documents where run_id = '\(first)') from documents where run_id = '\(id)'"), [["1"]])
        // Training tokens within 1 % of the asked total (shrink may lower it, never raise it).
        let tokens = Int(try lineageRows(db, "select sum(tokens) from mixture_rows where run_id = '\(id)' and bucket is null")[0][0])!
        XCTAssertLessThanOrEqual(tokens, 20000 + 200)
        XCTAssertEqual(try ShardInspector(dir: "\(dir)/out").inspect().problems, [])

        // A mixture file that would change the cleaning, names an unknown source, or is not JSON: exit 2, each problem named.
        try writeFile("\(dir)/bad.json", #"{"steps": [], "sources": {"news": {"weight": 1}, "web": {"paths": ["x"]}}, "output": {"compression": "gzip"}}"#)
        let bad = try CLI.run(["remix", "\(dir)/out", "--mixture", "\(dir)/bad.json"])
        XCTAssertEqual(bad.status, 2)
        for needle in ["bad.json: /steps: \"steps\": it would change the cleaned shards", "/sources/news: no source named \"news\" in the spec (its sources: web, forum)",
                       "/sources/web/paths: \"paths\": it would change", "/output/compression: \"output.compression\": it would change"] {
            XCTAssertTrue(bad.stderr.contains(needle), "\(needle) in \(bad.stderr)")
        }
        try writeFile("\(dir)/broken.json", "{\"sources\": ")
        let broken = try CLI.run(["remix", "\(dir)/out", "--mixture", "\(dir)/broken.json"])
        XCTAssertEqual(broken.status, 2)
        XCTAssertTrue(broken.stderr.contains("broken.json:1:"), broken.stderr)
        // A weight the schema refuses is caught by the spec's own validation.
        try writeFile("\(dir)/neg.json", #"{"sources": {"web": {"weight": -1}}}"#)
        let neg = try CLI.run(["remix", "\(dir)/out", "--mixture", "\(dir)/neg.json"])
        XCTAssertEqual(neg.status, 2)
        XCTAssertTrue(neg.stderr.contains("/sources/0/weight"), neg.stderr)
        // An output folder no run wrote.
        let none = try CLI.run(["remix", "\(dir)/nowhere", "--mixture", "\(dir)/m.json"])
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains("no lineage file there"), none.stderr)
    }

    /// A remix killed while encoding resumes: the copied rows are not copied twice, and the output is what an
    /// uninterrupted remix writes.
    func testAKilledRemixResumesWithoutDuplicateRows() throws {
        let dir = try makeTempDir(self)
        let path = try spec(dir)
        XCTAssertEqual(try CLI.run(["run", path, "--quiet"]).status, 0)
        let db = "\(dir)/out/lineage.db"
        let first = try lineageRows(db, "select run_id from runs")[0][0]
        try writeFile("\(dir)/m.json", #"{"sources": {"web": {"weight": 0.3}}, "curriculum": {"score": "words", "buckets": ["a", "b", "c"]}}"#)
        let p = try CLI.start(["remix", "\(dir)/out", "--mixture", "\(dir)/m.json", "--workers", "1"], env: ["WINNOW_TEST_TASK_DELAY_MS": "300"])
        let seen = p.read(until: { $0.components(separatedBy: "tokenizer: training").dropFirst().first?.contains("task finished") ?? false }, thenSend: SIGKILL)
        let killed = try lineageRows(db, "select run_id from runs where run_id != '\(first)'")[0][0]
        XCTAssertEqual(try lineageRows(db, "select count(*) from run_tasks where run_id = '\(killed)' and task = 'tokens/write'"), [["0"]], seen)
        let resumed = try CLI.run(["remix", "\(dir)/out", "--mixture", "\(dir)/m.json"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resuming run \(killed)"), resumed.stderr)
        for table in ["documents", "errors", "step_stats", "source_stats", "shards"] {
            XCTAssertEqual(try lineageRows(db, "select count(*) from \(table) where run_id = '\(killed)'"),
                           try lineageRows(db, "select count(*) from \(table) where run_id = '\(first)'"), table)
        }
        let expected = try outputFiles("\(dir)/out")
        let uninterrupted = try CLI.run(["remix", "\(dir)/out", "--mixture", "\(dir)/m.json", "--quiet"])
        XCTAssertEqual(uninterrupted.status, 0, uninterrupted.stderr)
        XCTAssertEqual(try outputFiles("\(dir)/out"), expected)
        XCTAssertEqual(try ShardInspector(dir: "\(dir)/out").inspect().problems, [])
    }

    /// A word list a step reads, edited in place (same spec, same inputs): the cleaning is done again.
    func testAChangedStepFileIsCleanedAgain() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/bad.txt", "zzzunusedword\n")
        let path = try spec(dir)
        try writeFile(path, try readText(path).replacingOccurrences(of: #"{"type": "exact_dedup"}"#, with: #"{"type": "exact_dedup"}, {"type": "c4_badwords", "lists": {"en": "bad.txt"}}"#))
        let first = try runSpec(path)
        XCTAssertEqual(try runSpec(path).cleaningRunID, first.runID, "nothing changed: kept")
        try writeFile("\(dir)/bad.txt", "zzzunusedword\nthe\n")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 60)], ofItemAtPath: "\(dir)/bad.txt")
        let r = try CLI.run(["run", path, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("a file the steps read (a model, word list or index) changed since run"), r.stderr)
        XCTAssertLessThan(Int(try lineageRows("\(dir)/out/lineage.db", "select docs_kept from runs order by started_at desc, rowid desc limit 1")[0][0])!, first.documentsOut)
    }

    /// The cleaning hash ignores exactly the token-phase keys.
    func testCleaningHashIgnoresOnlyTheTokenPhase() throws {
        func hash(_ s: String) throws -> String { PipelineLoader.cleaningHash(try JSONParser.parse(s), filesRead: "") }
        let base = try hash(#"{"name": "a", "sources": [{"name": "s", "paths": ["x"]}], "steps": [], "output": {"dir": "o", "formats": ["jsonl"]}}"#)
        XCTAssertEqual(try hash(#"{"name": "a", "sources": [{"name": "s", "paths": ["x"], "weight": 2, "max_epochs": 3}], "steps": [], "mixture": {}, "curriculum": {"score": "length", "buckets": ["a"]}, "tokenizer": {"train": {}}, "output": {"dir": "o", "formats": ["jsonl", "llmc"], "total_tokens": 5, "shard_tokens": 9, "val_fraction": 0.2}, "train": {"steps": 3}, "description": "d"}"#), base)
        for changed in [#"{"name": "a", "sources": [{"name": "s", "paths": ["y"]}], "steps": [], "output": {"dir": "o", "formats": ["jsonl"]}}"#,
                        #"{"name": "a", "sources": [{"name": "s", "paths": ["x"]}], "steps": [{"type": "length"}], "output": {"dir": "o", "formats": ["jsonl"]}}"#,
                        #"{"name": "a", "sources": [{"name": "s", "paths": ["x"]}], "steps": [], "output": {"dir": "o", "formats": ["jsonl"], "shard_docs": 5}}"#,
                        #"{"name": "a", "sources": [{"name": "s", "paths": ["x"]}], "steps": [], "seed": 2, "output": {"dir": "o", "formats": ["jsonl"]}}"#] {
            XCTAssertNotEqual(try hash(changed), base, changed)
        }
        let spec = try JSONParser.parse(#"{"name": "a", "sources": [{"name": "s", "paths": ["x"]}], "steps": [], "output": {"dir": "o"}}"#)
        XCTAssertNotEqual(PipelineLoader.cleaningHash(spec, filesRead: "/m/lid.176.ftz\t938013\t1.0\n"), PipelineLoader.cleaningHash(spec, filesRead: "/m/lid.176.ftz\t938013\t2.0\n"))
    }
}
