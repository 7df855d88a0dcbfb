import Foundation
import XCTest
@testable import Winnow

/// `winnow sample` as a user types it (issue 17, item 6): ranges checked before anything loads, negative numbers
/// without "=", --max-new-tokens with its --max-tokens alias, several samples, a prompt file, and a tokenizer
/// found beside the checkpoint or an error that says where it looked.
final class SampleCLITests: XCTestCase {
    /// A run's output with llm.c shards and a 1-layer model trained for 2 steps on it: the folder and its checkpoint.
    private func checkpoint() throws -> (dir: String, ckpt: String) {
        let dir = try makeTempDir(self)
        let data = "\(repoRoot)/examples/data"
        try writeFile("\(dir)/spec.json", """
        {"name": "s", "sources": [{"name": "web", "paths": ["\(data)/web/*.jsonl.gz"]}],
         "tokenizer": {"train": {"vocab_size": 300}}, "output": {"dir": "out", "formats": ["jsonl", "llmc"], "val_fraction": 0.1}}
        """)
        try runSpec("\(dir)/spec.json")
        let t = try CLI.run(["train", "\(dir)/out", "--steps", "2", "--layers", "1", "--heads", "2", "--d-model", "16", "--context", "16",
                             "--batch-size", "2", "--threads", "1", "--quiet"])
        XCTAssertEqual(t.status, 0, t.stderr)
        return (dir, "\(dir)/out/model.ckpt")
    }

    func testRangesAreCheckedAndNegativeNumbersParse() throws {
        for (args, message) in [(["--temperature", "-1"], "--temperature -1.0: must be ≥ 0"),
                                (["--top-p", "0"], "--top-p 0.0: must be in (0, 1]"),
                                (["--top-p", "1.5"], "--top-p 1.5: must be in (0, 1]"),
                                (["--top-k", "-3"], "--top-k -3: must be ≥ 0"),
                                (["--min-p", "2"], "--min-p 2.0: must be in [0, 1]"),
                                (["--max-new-tokens", "-5"], "--max-new-tokens -5: must be ≥ 0"),
                                (["--num-samples", "0"], "--num-samples 0: must be at least 1")] {
            let r = try CLI.run(["sample", "/nonexistent.ckpt"] + args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
    }

    func testSamplesPromptFileAliasAndTokenizerLookup() throws {
        let (dir, ckpt) = try checkpoint()
        let two = try CLI.run(["sample", ckpt, "--prompt", "The", "--max-new-tokens", "4", "--num-samples", "2", "--seed", "3"])
        XCTAssertEqual(two.status, 0, two.stderr)
        let parts = two.stdout.components(separatedBy: "---\n")
        XCTAssertEqual(parts.count, 2, two.stdout)
        XCTAssertTrue(parts.allSatisfy { $0.hasPrefix("The") }, two.stdout)
        // --max-tokens is the same option; the same seed gives the same text.
        let alias = try CLI.run(["sample", ckpt, "--prompt", "The", "--max-tokens", "4", "--seed", "3"])
        XCTAssertEqual(alias.stdout, parts[0])
        // A prompt from a file.
        try writeFile("\(dir)/prompt.txt", "The")
        let fromFile = try CLI.run(["sample", ckpt, "--prompt-file", "\(dir)/prompt.txt", "--max-new-tokens", "4", "--seed", "3"])
        XCTAssertEqual(fromFile.stdout, parts[0])
        // A checkpoint copied away from its tokenizer: the error says where it looked.
        try FileManager.default.createDirectory(atPath: "\(dir)/elsewhere/sub", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: ckpt, toPath: "\(dir)/elsewhere/sub/model.ckpt")
        let lost = try CLI.run(["sample", "\(dir)/elsewhere/sub/model.ckpt"])
        XCTAssertNotEqual(lost.status, 0)
        XCTAssertTrue(lost.stderr.contains("looked in \(dir)/elsewhere/sub/tokenizer.json and \(dir)/elsewhere/tokenizer.json; pass --tokenizer"), lost.stderr)
        let found = try CLI.run(["sample", "\(dir)/elsewhere/sub/model.ckpt", "--tokenizer", "\(dir)/out/tokenizer.json", "--max-new-tokens", "2"])
        XCTAssertEqual(found.status, 0, found.stderr)
        // Past the context (16): generation goes on.
        let long = try CLI.run(["sample", ckpt, "--max-new-tokens", "40", "--ignore-eos", "--temperature", "0"])
        XCTAssertEqual(long.status, 0, long.stderr)
    }
}
