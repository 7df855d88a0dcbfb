import Foundation

/// The physical floor for a pipeline over JSONL: read (and decompress) every line, parse it and make its
/// text a (UTF-8-validated) String, nothing else. `winnow bench floor` reports it so pipeline throughput can be put against it.
public enum ReadFloor {
    public struct Result: Sendable {
        public let documents: Int
        public let badLines: Int
        public let bytesRead: Int64
        public let seconds: Double
    }

    public static func measure(paths: [String], workers: Int, textField: String = "text", idField: String = "id") throws -> Result {
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
}
