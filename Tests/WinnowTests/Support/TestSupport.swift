import Foundation
import XCTest
@testable import Winnow

/// A fresh temporary folder, removed when the test ends.
func makeTempDir(_ test: XCTestCase, _ name: String = #function) throws -> String {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let dir = NSTemporaryDirectory() + "winnow-tests/\(safe)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    return dir
}

/// Writes `text` to `path`, compressed by the path's suffix (.gz, .zst), creating folders.
func writeFile(_ path: String, _ text: String) throws {
    try writeFile(path, Array(text.utf8))
}

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    let w = try AtomicCompressedWriter(path: path, compression: Compression(path: path), level: nil)
    try w.write(bytes)
    _ = try w.commit()
}

/// Reads a file, decompressing by suffix.
func readText(_ path: String) throws -> String {
    String(decoding: try readAll(openByteSource(path: path))!, as: UTF8.self)
}

/// The repository root (for pipelines/, schemas/, examples/).
let repoRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }
    return url.path
}()

/// One JSONL line for a document.
func jsonl(_ id: String, _ text: String, extra: String = "") -> String {
    var out = [UInt8]()
    JSONEscape.appendQuoted(text, to: &out)
    return "{\"id\": \"\(id)\", \"text\": \(String(decoding: out, as: UTF8.self))\(extra)}\n"
}

/// Runs a spec file in-process and returns the summary.
@discardableResult
func runSpec(_ path: String, workers: Int = 2, recordDocuments: Bool = true, fresh: Bool = false, reclean: Bool = false) throws -> RunSummary {
    let p = try PipelineLoader.load(path)
    var o = RunOptions()
    o.workers = workers
    o.recordDocuments = recordDocuments
    o.fresh = fresh
    o.reclean = reclean
    return try Executor(pipeline: p, options: o).run()
}

/// Query helper over a lineage file.
func lineageRows(_ db: String, _ sql: String) throws -> [[String]] {
    try LineageStore.query(db, sql).rows.map { $0.map(QueryResult.cell) }
}

/// The shards of an output folder, decompressed and concatenated in manifest order.
func shardText(_ outDir: String) throws -> String {
    let manifest = try JSONParser.parse(readFileBytes("\(outDir)/manifest.json"))
    return try (manifest["shards"]?.arrayValue ?? []).map { try readText("\(outDir)/\($0["path"]!.stringValue!)") }.joined()
}

/// Runs a pipeline over two inputs in `dir` — data/big.jsonl (200 documents), then data/small.jsonl (`small`) — with
/// one worker and a pause after each task, and calls `change` once the first task finished, before small.jsonl is
/// read (largest partition first). Waits for the end; returns the exit status and the `errors` rows (input, reason,
/// message). The lineage file is `dir/out/lineage.db`.
func runChangingAnInputMidRun(_ dir: String, small: String, _ change: () throws -> Void) throws -> (status: Int32, errors: [[String]]) {
    try writeFile("\(dir)/data/big.jsonl", (0..<200).map { jsonl("b\($0)", "a longer document \($0) with more words in it") }.joined())
    try writeFile("\(dir)/data/small.jsonl", small)
    try writeFile("\(dir)/spec.json", #"{"name": "mid-run", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}], "output": {"dir": "out"}}"#)
    let p = try CLI.start(["run", "\(dir)/spec.json", "--workers", "1"], env: ["WINNOW_TEST_TASK_DELAY_MS": "700"])
    _ = p.read(until: { $0.contains("task finished") })
    try change()
    _ = p.stdout.fileHandleForReading.readDataToEndOfFile()
    p.process.waitUntilExit()
    return (p.process.terminationStatus, try lineageRows("\(dir)/out/lineage.db", "select input, reason, message from errors"))
}
