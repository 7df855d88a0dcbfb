import Foundation

/// A shard as written and recorded.
public struct ShardInfo: Sendable, Equatable {
    public let shard: Int
    public let path: String
    public let format: String
    public let documents: Int
    public let bytes: Int64
    public let uncompressedBytes: Int64
    public let sha256: String
    /// Documents per source, by source name.
    public let sources: [String: Int]
}

/// Cuts the survivors of the last stage into shards — in partition order, so boundaries depend only on
/// the inputs and the spec — and writes the shards in parallel, each atomically.
struct ShardPhase {
    let run: Executor

    /// A run of consecutive survivors of one partition inside one shard.
    struct Segment {
        let partition: Int
        let firstDoc: Int
        var count: Int
        let outOffset: Int64
        var outBytes: Int64
        let metaOffset: Int64
        var metaBytes: Int64
    }

    func execute() throws -> [ShardInfo] {
        let shards = try planShards()
        let files = run.workFiles!
        let output = run.pipeline.spec.output
        let suffix = ".jsonl" + output.compression.suffix
        let todo = shards.indices.filter { !run.isDone(Executor.shardTask($0)) }
        run.counters.startPhase("write shards", tasks: todo.count, totalBytes: 0)
        try WorkerPool.run(todo, workers: run.options.workers) { k in
            let name = String(format: "shard-%05d", k) + suffix
            let path = (run.pipeline.outputDir as NSString).appendingPathComponent(name)
            let w = try AtomicCompressedWriter(path: path, compression: output.compression, level: output.compressionLevel)
            var rows: [DocumentRow] = []
            var position = 0
            var perSource: [String: Int] = [:]
            let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { buf.deallocate() }
            do {
                for seg in shards[k] {
                    let part = run.partitionList[seg.partition]
                    let source = run.pipeline.sources[part.sourceIndex].spec.name
                    perSource[source, default: 0] += seg.count
                    let src = try FileSource(path: files.finalDocs(seg.partition), offset: seg.outOffset, length: seg.outBytes)
                    while true {
                        let n = try src.read(into: buf)
                        if n == 0 { break }
                        try w.write(UnsafeRawBufferPointer(rebasing: buf[0..<n]))
                    }
                    if run.options.recordDocuments {
                        try RecordReader(path: files.finalMeta(seg.partition), offset: seg.metaOffset, length: seg.metaBytes).forEach { d in
                            _ = d.u32()
                            let line = d.u64()
                            let id = d.string()
                            let ann = d.blob()
                            rows.append(DocumentRow(source: source, docID: id, input: part.input, line: line, status: .kept, step: nil, reason: nil,
                                                    annotations: ann, shard: k, position: position, dupOf: nil,
                                                    stage: run.shardStage, partition: seg.partition))
                            position += 1
                            if rows.count >= 4096 { run.lineage.send(.rows(rows, [])); rows.removeAll(keepingCapacity: true) }
                        }
                    } else {
                        position += seg.count
                    }
                    if run.cancelFlag.isSet { throw RunCancelled() }
                }
                let (bytes, sha) = try w.commit()
                if !rows.isEmpty { run.lineage.send(.rows(rows, [])) }
                let info = ShardInfo(shard: k, path: name, format: "jsonl", documents: shards[k].reduce(0) { $0 + $1.count },
                                     bytes: bytes, uncompressedBytes: w.uncompressedBytes, sha256: sha, sources: perSource)
                run.lineage.send(.statement("""
                    INSERT OR REPLACE INTO shards (run_id, shard, path, format, docs, bytes, uncompressed_bytes, sha256, sources)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [.text(run.runID), .integer(Int64(k)), .text(name), .text("jsonl"), .integer(Int64(info.documents)),
                          .integer(bytes), .integer(info.uncompressedBytes), .text(sha), .text(ShardInfo.sourcesJSON(perSource))]))
                run.lineage.send(.taskDone(task: Executor.shardTask(k), stats: [], sources: [:]))
                run.counters.taskDone()
                try run.testDelay()
            } catch {
                w.abandon()
                throw error
            }
        }
        try run.lineage.sync()
        let rows = try run.lineageQuery("SELECT shard, path, format, docs, bytes, uncompressed_bytes, sha256, sources FROM shards WHERE run_id = ? ORDER BY shard",
                                        [.text(run.runID)])
        return rows.map { r in
            ShardInfo(shard: Int(r[0].integer ?? 0), path: r[1].text ?? "", format: r[2].text ?? "", documents: Int(r[3].integer ?? 0),
                      bytes: r[4].integer ?? 0, uncompressedBytes: r[5].integer ?? 0, sha256: r[6].text ?? "",
                      sources: ShardInfo.parseSources(r[7].text ?? "{}"))
        }
    }

    /// Shard boundaries from the per-document sizes of every partition's survivors.
    func planShards() throws -> [[Segment]] {
        let limitBytes = Int64(run.pipeline.spec.output.shardBytes)
        let limitDocs = run.pipeline.spec.output.shardDocs ?? Int.max
        var shards: [[Segment]] = []
        var current: [Segment] = []
        var curBytes: Int64 = 0
        var curDocs = 0
        for part in run.partitionList {
            var outOffset: Int64 = 0
            var metaOffset: Int64 = 0
            var docIndex = 0
            try RecordReader(path: run.workFiles.finalSizes(part.index)).forEach { d in
                let outLen = Int64(d.u32())
                let metaLen = Int64(d.u32())
                if curDocs > 0 && (curBytes + outLen > limitBytes || curDocs >= limitDocs) {
                    shards.append(current); current = []; curBytes = 0; curDocs = 0
                }
                if let last = current.last, last.partition == part.index {
                    current[current.count - 1].count += 1
                    current[current.count - 1].outBytes += outLen
                    current[current.count - 1].metaBytes += metaLen
                } else {
                    current.append(Segment(partition: part.index, firstDoc: docIndex, count: 1, outOffset: outOffset, outBytes: outLen,
                                           metaOffset: metaOffset, metaBytes: metaLen))
                }
                curBytes += outLen; curDocs += 1
                outOffset += outLen; metaOffset += metaLen; docIndex += 1
            }
        }
        if curDocs > 0 { shards.append(current) }
        return shards
    }
}

extension ShardInfo {
    static func sourcesJSON(_ s: [String: Int]) -> String {
        JSONWriter.canonical(.object(JSONObject(s.sorted { $0.key < $1.key }.map { ($0.key, .number(Double($0.value))) })))
    }
    static func parseSources(_ text: String) -> [String: Int] {
        guard let v = try? JSONParser.parse(text), let o = v.objectValue else { return [:] }
        var out: [String: Int] = [:]
        for (k, v) in o.pairs { out[k] = v.intValue ?? 0 }
        return out
    }
}
