import Foundation

/// The token phase's lineage: token shards, the mixture's accounting and the curriculum's buckets — the rows it
/// sends to `LineageWriter` and the queries that read them back, in one place.
enum TokenRecords {
    // MARK: writing (events for the run's LineageWriter)

    /// Run `runID`'s token-phase rows removed, before its write task is done again.
    static func clear(_ runID: String) -> [LineageWriter.Event] {
        ["token_shards", "document_tokens", "mixture_rows", "curriculum_buckets"].map { .statement("DELETE FROM \($0) WHERE run_id = ?", [.text(runID)]) }
    }

    /// One `document_tokens` row: where a document's copy went (its llm.c token offset, after the EOT before it).
    static func documentTokenRow(runID: String, source: String, docID: String, split: String, shard: Int, sequence: Int, offset: Int64,
                                 tokens: Int, epoch: Int, bucket: SQLValue, replay: Bool) -> [SQLValue] {
        [.text(runID), .text(source), .text(docID), .text(split), .integer(Int64(shard)), .integer(Int64(sequence)), .integer(offset),
         .integer(Int64(tokens)), .integer(Int64(epoch)), bucket, .integer(replay ? 1 : 0)]
    }

    static func documentTokens(_ rows: [[SQLValue]]) -> LineageWriter.Event {
        .batch("INSERT INTO document_tokens (run_id, source, doc_id, split, shard, sequence, token_offset, tokens, epoch, bucket, replay) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    }

    static func tokenShard(_ runID: String, _ i: TokenShardInfo) -> LineageWriter.Event {
        let files = JSONWriter.compact(.array(i.files.map {
            .object(JSONObject([("path", .string($0.name)), ("bytes", .number(Double($0.bytes))), ("sha256", .string($0.sha256))]))
        }))
        let sources = JSONWriter.compact(.object(JSONObject(i.sources.sorted { $0.key < $1.key }.map { ($0.key, .number(Double($0.value))) })))
        return .statement("""
            INSERT INTO token_shards (run_id, format, split, shard, bucket, path, docs, tokens, bytes, sha256, files, sources) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(runID), .text(i.format), .text(i.split), .integer(Int64(i.shard)), i.bucket.map { .text($0) } ?? .null, .text(i.files[0].name),
                  .integer(Int64(i.documents)), .integer(i.tokens), .integer(i.files.reduce(0) { $0 + $1.bytes }), .text(i.files[0].sha256),
                  .text(files), .text(sources)])
    }

    /// Tokens of every kept document per source (source_stats.tokens_out), set rather than added: a resumed or
    /// remixed run writes its own figure over a copied one; a stage task's file gets the row, which the merge keeps.
    static func keptTokens(_ runID: String, _ perSource: [(String, Int64)]) -> LineageWriter.Event {
        .batch("INSERT INTO source_stats (run_id, source, tokens_out) VALUES (?, ?, ?) ON CONFLICT (run_id, source) DO UPDATE SET tokens_out = excluded.tokens_out",
               perSource.map { [.text(runID), .text($0.0), .integer($0.1)] })
    }

    static func mixture(_ runID: String, _ rows: [MixtureRow]) -> LineageWriter.Event {
        .batch("INSERT INTO mixture_rows (run_id, source, bucket, target, achieved, tokens, documents, epochs, shortfall) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
               rows.map { r in [.text(runID), .text(r.source), r.bucket.map { .text($0) } ?? .null, r.target.map { .real($0) } ?? .null,
                                .real(r.achieved), .integer(r.tokens), .integer(Int64(r.documents)), .real(r.epochs), r.shortfall.map { .text($0) } ?? .null] })
    }

    /// A curriculum bucket in write order, with its score's bounds (nil: open on that side).
    struct Bucket { let position: Int; let name: String; let score: String; let lower: Double?; let upper: Double? }

    static func curriculum(_ runID: String, _ buckets: [Bucket]) -> LineageWriter.Event {
        .batch("INSERT INTO curriculum_buckets (run_id, position, bucket, score, lower, upper) VALUES (?, ?, ?, ?, ?, ?)",
               buckets.map { b in [.text(runID), .integer(Int64(b.position)), .text(b.name), .text(b.score),
                                   b.lower.map { .real($0) } ?? .null, b.upper.map { .real($0) } ?? .null] })
    }

    // MARK: reading

    static func mixtureRows(_ db: SQLiteDatabase, runID: String) throws -> [MixtureRow] {
        try db.query("SELECT source, bucket, target, achieved, tokens, documents, epochs, shortfall FROM mixture_rows WHERE run_id = ? ORDER BY rowid",
                     [.text(runID)]).rows.map { r in
            MixtureRow(source: r[0].text ?? "", bucket: r[1].text, target: r[2].real, achieved: r[3].real ?? 0, tokens: r[4].integer ?? 0,
                       documents: Int(r[5].integer ?? 0), epochs: r[6].real ?? 0, shortfall: r[7].text)
        }
    }

    /// The newest run in the file that wrote token shards (and so a mixture).
    static func newestRunWithMixture(_ db: SQLiteDatabase) throws -> String? {
        try db.query("SELECT m.run_id FROM mixture_rows m JOIN runs r ON r.run_id = m.run_id ORDER BY r.started_at DESC, r.rowid DESC LIMIT 1").rows.first?.first?.text
    }

    /// The curriculum's buckets in write order: name, bounds, and the score they are cut on.
    static func curriculumBuckets(_ db: SQLiteDatabase, runID: String) throws -> [(name: String, lower: Double?, upper: Double?, score: String)] {
        try db.query("SELECT bucket, lower, upper, score FROM curriculum_buckets WHERE run_id = ? ORDER BY position", [.text(runID)]).rows.map {
            ($0[0].text ?? "", $0[1].real, $0[2].real, $0[3].text ?? "")
        }
    }

    /// The token shards a run recorded, in (format, split, shard) order.
    static func tokenShards(_ db: SQLiteDatabase, runID: String) throws -> [TokenShardInfo] {
        try db.query("SELECT format, split, shard, files, docs, tokens, sources, bucket FROM token_shards WHERE run_id = ? ORDER BY format, split, shard",
                     [.text(runID)]).rows.map { r in
            let files = (try? JSONParser.parse(r[3].text ?? "[]"))?.arrayValue ?? []
            let sources = (try? JSONParser.parse(r[6].text ?? "{}"))?.objectValue?.pairs ?? []
            return TokenShardInfo(format: r[0].text ?? "", split: r[1].text ?? "", shard: Int(r[2].integer ?? 0), bucket: r[7].text,
                                  files: files.map { .init(name: $0["path"]?.stringValue ?? "", bytes: Int64($0["bytes"]?.intValue ?? 0), sha256: $0["sha256"]?.stringValue ?? "") },
                                  documents: Int(r[4].integer ?? 0), tokens: r[5].integer ?? 0,
                                  sources: Dictionary(uniqueKeysWithValues: sources.map { ($0.0, Int64($0.1.intValue ?? 0)) }))
        }
    }
}
