import Foundation

/// The text shards' lineage (`shards` rows, written once a run knows every shard's global number) and the
/// per-document token placement an incremental run reads back to rewrite earlier token shards.
enum ShardRecords {
    /// The events that replace run `runID`'s `shards` rows with `shards` (a resumed run writes them again).
    static func replace(_ runID: String, with shards: [ShardInfo]) -> [LineageWriter.Event] {
        [.statement("DELETE FROM shards WHERE run_id = ?", [.text(runID)])] + insert(runID, shards)
    }

    /// The events that add `shards` rows of run `runID` (a stage task's share).
    static func insert(_ runID: String, _ shards: [ShardInfo]) -> [LineageWriter.Event] {
        shards.map { s in
            .statement("""
                INSERT INTO shards (run_id, shard, path, format, docs, bytes, uncompressed_bytes, sha256, sources, input)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(runID), .integer(Int64(s.shard)), .text(s.path), .text(s.format), .integer(Int64(s.documents)),
                      .integer(s.bytes), .integer(s.uncompressedBytes), .text(s.sha256), .text(ShardInfo.sourcesJSON(s.sources)), .text(s.input)])
        }
    }

    /// Where a kept document's tokens lie in a token shard, with the input it came from.
    struct TokenPlacement { let split: String; let shard: Int; let source: String; let offset: Int; let count: Int; let input: String }

    /// Every kept document of run `runID` that went into token shards, by shard in write order.
    static func tokenPlacements(_ db: SQLiteDatabase, runID: String) throws -> [TokenPlacement] {
        try db.query("""
            SELECT dt.split, dt.shard, dt.source, dt.token_offset, dt.tokens, d.input FROM document_tokens dt
            JOIN documents d ON d.run_id = dt.run_id AND d.source = dt.source AND d.doc_id = dt.doc_id AND d.status = 'kept'
            WHERE dt.run_id = ? ORDER BY dt.split, dt.shard, dt.sequence
            """, [.text(runID)]).rows.map {
            TokenPlacement(split: $0[0].text ?? "", shard: Int($0[1].integer ?? 0), source: $0[2].text ?? "", offset: Int($0[3].integer ?? 0),
                           count: Int($0[4].integer ?? 0), input: $0[5].text ?? "")
        }
    }
}
