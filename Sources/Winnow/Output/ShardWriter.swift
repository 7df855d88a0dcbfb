import Foundation

/// Writes one partition's surviving documents straight into its shards
/// (`shard-<partition>-<k>.jsonl[.gz|.zst]`), closing a shard at `shard_bytes` uncompressed bytes or
/// `shard_docs` documents. Shards never span partitions, so their contents depend only on the partition:
/// any number of workers, in any order, writes the same bytes. Each shard is published atomically.
final class ShardWriter {
    /// A finished shard of this partition.
    struct Written {
        let name: String
        let documents: Int
        let bytes: Int64
        let uncompressedBytes: Int64
        let sha256: String
    }

    private let dir: String
    private let partition: Int
    private let output: OutputSpec
    private var current: AtomicCompressedWriter?
    /// With `parquet` among the formats: the same documents as a Parquet shard beside each JSONL one.
    private var currentParquet: ParquetShardWriter?
    private var currentDocs = 0
    private var currentBytes: Int64 = 0
    private(set) var written: [Written] = []
    /// Index (within this partition) of the shard the next document goes to, and its position there.
    private(set) var localShard = 0
    private(set) var position = 0

    init(dir: String, partition: Int, output: OutputSpec) {
        self.dir = dir
        self.partition = partition
        self.output = output
    }

    /// The folder of Parquet shards, inside the output folder.
    static let parquetFolder = "parquet"

    /// A JSONL shard's Parquet twin: `shard-00003.jsonl.zst` → `parquet/shard-00003.parquet`.
    static func parquetName(of jsonl: String) -> String {
        let base = jsonl.range(of: ".jsonl").map { String(jsonl[..<$0.lowerBound]) } ?? jsonl
        return parquetFolder + "/" + base + ".parquet"
    }

    static func name(partition: Int, shard: Int, compression: Compression) -> String {
        String(format: "shard-%05d-%04d.jsonl", partition, shard) + compression.suffix
    }

    /// Where the next document of `bytes` bytes will go (shard within the partition, position), opening a
    /// new shard when the current one is full.
    func place(bytes: Int) throws -> (shard: Int, position: Int) {
        if current != nil, currentDocs > 0,
           currentBytes + Int64(bytes) > Int64(output.shardBytes) || currentDocs >= (output.shardDocs ?? Int.max) {
            try close()
        }
        if current == nil {
            let name = Self.name(partition: partition, shard: written.count, compression: output.compression)
            current = try AtomicCompressedWriter(path: (dir as NSString).appendingPathComponent(name),
                                                 compression: output.compression, level: output.compressionLevel)
            if output.formats.contains(.parquet) {
                let path = (dir as NSString).appendingPathComponent(Self.parquetName(of: name))
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                currentParquet = try ParquetShardWriter(path: path, compression: output.parquetCompression, level: output.compressionLevel,
                                                    rowGroupBytes: output.parquetRowGroupBytes)
            }
            currentDocs = 0
            currentBytes = 0
        }
        return (written.count, currentDocs)
    }

    /// Appends one document, as its JSONL line, to the shard `place` chose (and to its Parquet twin).
    func write(_ line: UnsafeRawBufferPointer, _ doc: Document) throws {
        try current!.write(line)
        try currentParquet?.append(id: doc.id, text: doc.text, source: doc.source, metadata: doc.metadata)
        currentDocs += 1
        currentBytes += Int64(line.count)
    }

    private func close() throws {
        guard let w = current else { return }
        if let p = currentParquet { _ = try p.commit(); currentParquet = nil }
        let (bytes, sha) = try w.commit()
        written.append(Written(name: (w.path as NSString).lastPathComponent, documents: currentDocs, bytes: bytes,
                               uncompressedBytes: w.uncompressedBytes, sha256: sha))
        current = nil
    }

    /// Closes the last shard.
    func finish() throws { try close() }

    /// Drops the shard being written (the task failed; a rerun writes it again).
    func abandon() { current?.abandon(); current = nil; currentParquet?.abandon(); currentParquet = nil }
}
