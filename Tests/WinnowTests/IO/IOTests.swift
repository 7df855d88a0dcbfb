import XCTest
@testable import Winnow

final class IOTests: XCTestCase {
    func testCompressedRoundTrips() throws {
        let dir = try makeTempDir(self)
        let text = (0..<5000).map { "line \($0) with ünïcödé\n" }.joined()
        for name in ["a.jsonl", "a.jsonl.gz", "a.jsonl.zst"] {
            try writeFile("\(dir)/\(name)", text)
            XCTAssertEqual(try readText("\(dir)/\(name)"), text, name)
        }
    }

    func testGzipIsByteIdenticalAcrossWrites() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/1.gz", "same content")
        try writeFile("\(dir)/2.gz", "same content")
        XCTAssertEqual(try readFileBytes("\(dir)/1.gz"), try readFileBytes("\(dir)/2.gz"))
    }

    func testConcatenatedGzipMembersAreOneStream() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/a.gz", "first\n")
        try writeFile("\(dir)/b.gz", "second\n")
        let raw = try RawFileWriter(path: "\(dir)/ab.gz")
        try raw.write(try readFileBytes("\(dir)/a.gz") + readFileBytes("\(dir)/b.gz"))
        try raw.flush()
        XCTAssertEqual(try readText("\(dir)/ab.gz"), "first\nsecond\n")
    }

    func testTruncatedCompressedFilesAreErrorsNamingTheFile() throws {
        let dir = try makeTempDir(self)
        let text = (0..<20000).map { "{\"id\": \"\($0)\", \"text\": \"document number \($0)\"}\n" }.joined()
        for name in ["t.jsonl.gz", "t.jsonl.zst"] {
            let path = "\(dir)/\(name)"
            try writeFile(path, text)
            let bytes = try readFileBytes(path)
            let cut = "\(dir)/cut-\(name)"
            let raw = try RawFileWriter(path: cut)
            try raw.write(Array(bytes[0..<bytes.count / 2]))
            try raw.flush()
            XCTAssertThrowsError(try readText(cut), name) { e in
                let fe = e as? FileError
                XCTAssertEqual(fe?.path, cut)
                XCTAssertTrue(fe?.message.contains("truncated") ?? false, "\(e)")
            }
        }
    }

    func testLineReaderReportsOverlongLinesAndKeepsGoing() throws {
        let dir = try makeTempDir(self)
        let long = String(repeating: "x", count: 10_000)
        try writeFile("\(dir)/l.txt", "short\n\(long)\nafter\nno-newline-at-end")
        let reader = LineReader(source: try openByteSource(path: "\(dir)/l.txt"), maxLineBytes: 4096, bufferBytes: 4096)
        var seen: [String] = []
        try reader.forEachLine { line in
            switch line {
            case .text(let b): seen.append(String(decoding: b, as: UTF8.self))
            case .tooLong(let n): seen.append("TOO LONG \(n)")
            }
            return true
        }
        XCTAssertEqual(seen, ["short", "TOO LONG 10000", "after", "no-newline-at-end"])
    }

    func testGlobExpansion() throws {
        let dir = try makeTempDir(self)
        for p in ["a/1.jsonl", "a/2.jsonl", "a/x.txt", "a/b/3.jsonl", "a/b/c/4.jsonl"] { try writeFile("\(dir)/\(p)", "") }
        XCTAssertEqual(Glob.expand("a/*.jsonl", relativeTo: dir).map { String($0.dropFirst(dir.count + 1)) }, ["a/1.jsonl", "a/2.jsonl"])
        XCTAssertEqual(Glob.expand("a/**/*.jsonl", relativeTo: dir).map { String($0.dropFirst(dir.count + 1)) },
                       ["a/1.jsonl", "a/2.jsonl", "a/b/3.jsonl", "a/b/c/4.jsonl"])
        XCTAssertEqual(Glob.expand("\(dir)/a/?.txt", relativeTo: "/nowhere").count, 1)
        XCTAssertEqual(Glob.expand("a/missing.jsonl", relativeTo: dir), [])
    }

    func testRelativePaths() {
        XCTAssertEqual(relativePath("/r/examples/data/a.gz", from: "/r/pipelines"), "../examples/data/a.gz")
        XCTAssertEqual(relativePath("/r/pipelines/d/a.gz", from: "/r/pipelines"), "d/a.gz")
    }
}
