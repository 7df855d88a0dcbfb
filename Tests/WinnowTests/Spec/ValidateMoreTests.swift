import Foundation
import XCTest
@testable import Winnow

/// `winnow validate` catches what a new user trips over (issue 17, item 7).
final class ValidateMoreTests: XCTestCase {
    private func problems(_ dir: String, _ spec: String) throws -> String {
        try writeFile("\(dir)/spec.json", spec)
        let r = try CLI.run(["validate", "\(dir)/spec.json"])
        XCTAssertEqual(r.status, 2, r.stderr)
        return r.stderr
    }

    /// A `keep` label the model lacks: lid.176 says "pt", not "por"; the labels are listed.
    func testLanguageLabelsTheModelLacks() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/a.jsonl", jsonl("1", "x"))
        let tiny = "\(repoRoot)/Tests/WinnowTests/Fixtures/fasttext/tiny_softmax.bin"
        let out = try problems(dir, """
        {"name": "l", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}], "output": {"dir": "out"},
         "steps": [{"type": "language", "model": "\(tiny)", "keep": ["en", "por"]}]}
        """)
        XCTAssertTrue(out.contains("/steps/0/keep/1: \"por\" is not a label of \(tiny) (did you mean \"pt\"? the model uses ISO 639-1 codes); its 12 labels: de, el, en, es, fi, fr, it, nl, pl, pt, ru, tr"), out)
        let perSource = try problems(dir, """
        {"name": "l", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}], "output": {"dir": "out"},
         "steps": [{"type": "language", "model": "\(tiny)", "keep": ["en"], "sources": {"web": {"keep": ["xx"]}}}]}
        """)
        XCTAssertTrue(perSource.contains("/steps/0/sources/web/keep/0: \"xx\" is not a label"), perSource)
    }

    /// Files of formats the readers cannot read, and remote paths, are named.
    func testUnsupportedFormatsAndRemotePaths() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/a.parquet", "PAR1")
        try writeFile("\(dir)/data/b.warc.gz", "WARC/1.0")
        try writeFile("\(dir)/data/c.html", "<html></html>")
        let out = try problems(dir, """
        {"name": "f", "sources": [{"name": "web", "paths": ["data/*.parquet", "data/*.warc.gz", "data/*.html", "s3://bucket/data/*.jsonl.gz", "hf://datasets/x/y"]}],
         "output": {"dir": "out"}}
        """)
        XCTAssertTrue(out.contains("/sources/0/paths/0: \"data/*.parquet\" matches 1 Parquet file(s)"), out)
        XCTAssertTrue(out.contains("which the jsonl reader cannot read: Parquet input is not supported yet"), out)
        XCTAssertTrue(out.contains("/sources/0/paths/1: \"data/*.warc.gz\" matches 1 WARC file(s)"), out)
        XCTAssertTrue(out.contains("/sources/0/paths/2: \"data/*.html\" matches 1 HTML file(s)"), out)
        XCTAssertTrue(out.contains("/sources/0/paths/3: \"s3://bucket/data/*.jsonl.gz\": s3:// paths are not supported yet; copy or mount them"), out)
        XCTAssertTrue(out.contains("/sources/0/paths/4: \"hf://datasets/x/y\": hf:// paths are not supported yet"), out)
        XCTAssertFalse(out.contains("matches no file"), out)
    }

    /// A step type given by its prefix gets "did you mean".
    func testStepTypePrefixSuggestsTheStep() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/a.jsonl", jsonl("1", "x"))
        let out = try problems(dir, #"{"name": "p", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}], "output": {"dir": "out"}, "steps": [{"type": "minhash"}]}"#)
        XCTAssertTrue(out.contains("did you mean \"minhash_dedup\"?"), out)
    }
}
