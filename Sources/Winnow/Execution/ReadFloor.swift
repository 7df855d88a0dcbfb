import Foundation

/// The physical floor for a pipeline over JSONL: read (and decompress) every line, parse it and make its
/// text a (UTF-8-validated) String, nothing else. `winnow bench floor` reports it so pipeline throughput can be put against it.
/// For `warc`/`wet` it runs the source's reader — records, HTTP headers, charset decoding to String — and
/// discards the documents: what WARC libraries measure when they only read.
public enum ReadFloor {
    public struct Result: Sendable {
        public let documents: Int
        public let badLines: Int
        public let bytesRead: Int64
        public let seconds: Double
    }

    public static func measure(paths: [String], workers: Int, format: SourceSpec.Format = .jsonl, textField: String = "text", idField: String = "id") throws -> Result {
        if format != .jsonl { return try measureReader(paths: paths, workers: workers, format: format) }
        let lock = NSLock()
        var docs = 0, bad = 0
        var bytes: Int64 = 0
        let t0 = Date()
        try WorkerPool.run(paths, workers: workers) { path in
            var parser = DocumentLineParser(textField: textField, idField: idField)
            var n = 0, b = 0
            var read: Int64 = 0
            let reader = LineReader(source: try openByteSource(path: path, onBytes: { read += Int64($0) }), maxLineBytes: 1 << 30)
            try reader.forEachLine { line in
                if case .text(let l) = line, !l.isEmpty {
                    // Parse, then make the text a validated String, as a document needs; nothing else.
                    if parser.parse(l) == nil, case .success = parser.makeText() { n += 1 } else { b += 1 }
                }
                return true
            }
            lock.lock(); docs += n; bad += b; bytes += read; lock.unlock()
        }
        return Result(documents: docs, badLines: bad, bytesRead: bytes, seconds: Date().timeIntervalSince(t0))
    }

    /// Any other format through its `InputReader`, one file per task; skipped records count as neither.
    private static func measureReader(paths: [String], workers: Int, format: SourceSpec.Format) throws -> Result {
        let source = try JSONDecoder().decode(SourceSpec.self, from: Data(#"{"name": "floor", "paths": [], "format": "\#(format.rawValue)"}"#.utf8))
        let lock = NSLock()
        var docs = 0, bad = 0
        var bytes: Int64 = 0
        let t0 = Date()
        try WorkerPool.run(paths, workers: workers) { path in
            var n = 0, b = 0
            var read: Int64 = 0
            let part = Partition(index: 0, sourceIndex: 0, path: path, input: path, offset: 0, length: nil, firstLine: 1, diskBytes: 0)
            try InputReader(partition: part, source: source, displayPath: path, maxLineBytes: 1 << 30, onBytes: { read += Int64($0) }).read { item in
                switch item {
                case .document: n += 1
                case .bad: b += 1
                case .skipped: break
                }
            }
            lock.lock(); docs += n; bad += b; bytes += read; lock.unlock()
        }
        return Result(documents: docs, badLines: bad, bytesRead: bytes, seconds: Date().timeIntervalSince(t0))
    }
}
