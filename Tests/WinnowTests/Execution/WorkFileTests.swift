import XCTest
@testable import Winnow

/// Every work-file record type reads back what was written, and a reader refuses a file of another kind or version.
final class WorkFileTests: XCTestCase {
    private func roundTrip<R: WorkRecord>(_ records: [R], _ dir: String, _ name: String) throws -> [R] {
        let path = (dir as NSString).appendingPathComponent(name)
        let w = try R.writer(path)
        for r in records { try w.append(r) }
        try w.commit()
        var out: [R] = []
        try R.forEach(path) { out.append($0) }
        return out
    }

    func testStagedDocuments() throws {
        let dir = try makeTempDir(self)
        var a = Annotations()
        a["language"] = .string("pt"); a["score"] = .number(0.875); a["n"] = .int(-3); a["ok"] = .bool(true)
        let docs = [WorkFile.StagedDoc(ordinal: 0, line: 1, id: "a", text: "Olá, mundo — ação.", metadata: Array(#"{"u":1}"#.utf8), annotations: a),
                    WorkFile.StagedDoc(ordinal: 7, line: 1 << 40, id: "日本語", text: "", metadata: [], annotations: Annotations())]
        let back = try roundTrip(docs, dir, "s.docs")
        XCTAssertEqual(back.map(\.ordinal), [0, 7])
        XCTAssertEqual(back.map(\.line), [1, 1 << 40])
        XCTAssertEqual(back.map(\.id), ["a", "日本語"])
        XCTAssertEqual(back.map(\.text), ["Olá, mundo — ação.", ""])
        XCTAssertEqual(back.map(\.metadata), [Array(#"{"u":1}"#.utf8), []])
        XCTAssertEqual(back[0].annotations["language"], .string("pt"))
        XCTAssertEqual(back[0].annotations["score"], .number(0.875))
        XCTAssertEqual(back[0].annotations["n"], .int(-3))
        XCTAssertEqual(back[0].annotations["ok"], .bool(true))
        XCTAssertTrue(back[1].annotations.items.isEmpty)
    }

    func testBarrierKeys() throws {
        let dir = try makeTempDir(self)
        let path = (dir as NSString).appendingPathComponent("k.keys")
        let w = try WorkFile.BarrierKey.writer(path)
        for (i, key) in [[UInt8](), [1, 2, 3], [UInt8](repeating: 0xFF, count: 300)].enumerated() {
            try key.withUnsafeBytes { try w.append(WorkFile.BarrierKey(ordinal: i * 2, docID: "d\(i)", key: $0)) }
        }
        try w.commit()
        var got: [(Int, String, [UInt8])] = []
        try WorkFile.BarrierKey.forEach(path) { got.append(($0.ordinal, $0.docID, Array($0.key))) }
        XCTAssertEqual(got.map(\.0), [0, 2, 4])
        XCTAssertEqual(got.map(\.1), ["d0", "d1", "d2"])
        XCTAssertEqual(got.map(\.2), [[], [1, 2, 3], [UInt8](repeating: 0xFF, count: 300)])
    }

    /// A MinHash key (the bytes inside a barrier key) reads back as written, with and without a shingle set.
    func testMinHashKey() throws {
        let sig: [UInt64] = [1, UInt64.max, 1 << 63, 42]
        for shingles in [nil, [UInt64(3), 9, UInt64.max]] as [[UInt64]?] {
            let bytes = MinHashDedup.Key.encode(hasText: true, length: 1234, score: -0.5, signature: sig, shingles: shingles)
            try bytes.withUnsafeBytes { raw in
                var k = MinHashDedup.Key(raw)
                XCTAssertTrue(k.hasText); XCTAssertEqual(k.length, 1234); XCTAssertEqual(k.score, -0.5)
                var got = [UInt64](repeating: 0, count: sig.count)
                k.signature(into: &got)
                XCTAssertEqual(got, sig)
                if let shingles { XCTAssertEqual(k.shingles(), shingles) }
                _ = try XCTUnwrap(raw.baseAddress)
            }
        }
        let empty = MinHashDedup.Key.encode(hasText: false, length: 0, score: -.infinity, signature: [], shingles: nil)
        empty.withUnsafeBytes { raw in
            let k = MinHashDedup.Key(raw)
            XCTAssertFalse(k.hasText); XCTAssertEqual(k.score, -.infinity)
        }
    }

    func testDecisions() throws {
        var a = Annotations()
        a["minhash_cluster"] = .int(12)
        let ds = [WorkFile.Decision(ordinal: 3, decision: BarrierDecision(reason: "near_duplicate", dupOf: "x", annotations: a, rewrite: nil)),
                  WorkFile.Decision(ordinal: 9, decision: BarrierDecision(reason: "", dupOf: nil, annotations: Annotations(), rewrite: [0, 9, 8]))]
        let back = try roundTrip(ds, try makeTempDir(self), "r.decisions")
        XCTAssertEqual(back.map(\.ordinal), [3, 9])
        XCTAssertEqual(back.map(\.decision.reason), ["near_duplicate", ""])
        XCTAssertEqual(back.map(\.decision.dupOf), ["x", nil])
        XCTAssertEqual(back[0].decision.annotations["minhash_cluster"], .int(12))
        XCTAssertEqual(back.map(\.decision.rewrite), [nil, [0, 9, 8]])
    }

    func testKeptMetaShardListHitsEncodedAndAnnotations() throws {
        let dir = try makeTempDir(self)
        let meta = try roundTrip([WorkFile.KeptMeta(localShard: 2, position: 5, line: 77, id: "doc-é", annotations: Array(#"{"a":1}"#.utf8))], dir, "m")
        XCTAssertEqual(meta.map(\.localShard), [2]); XCTAssertEqual(meta.map(\.position), [5]); XCTAssertEqual(meta.map(\.line), [77])
        XCTAssertEqual(meta.map(\.id), ["doc-é"]); XCTAssertEqual(meta.map(\.annotations), [Array(#"{"a":1}"#.utf8)])

        let list = try roundTrip([WorkFile.ShardListEntry(name: "shard-00001-00000.jsonl.zst", documents: 10, bytes: 1 << 33, uncompressedBytes: 5, sha256: "ab")], dir, "l")
        XCTAssertEqual(list.map(\.name), ["shard-00001-00000.jsonl.zst"]); XCTAssertEqual(list.map(\.documents), [10])
        XCTAssertEqual(list.map(\.bytes), [1 << 33]); XCTAssertEqual(list.map(\.uncompressedBytes), [5]); XCTAssertEqual(list.map(\.sha256), ["ab"])

        let hits = try roundTrip([WorkFile.BucketHit(document: 4, earlier: 1), WorkFile.BucketHit(document: 5, earlier: -3)], dir, "p")
        XCTAssertEqual(hits.map(\.document), [4, 5]); XCTAssertEqual(hits.map(\.earlier), [1, -3])

        let enc = try roundTrip([WorkFile.EncodedDoc(id: Array("x".utf8), tokens: 42, score: -1.5, language: "zh")], dir, "e")
        XCTAssertEqual(enc.map(\.id), [Array("x".utf8)]); XCTAssertEqual(enc.map(\.tokens), [42])
        XCTAssertEqual(enc.map(\.score), [-1.5]); XCTAssertEqual(enc.map(\.language), ["zh"])

        let notes = try roundTrip([WorkFile.ShardAnnotations(json: Array("{}".utf8))], dir, "a")
        XCTAssertEqual(notes.map(\.json), [Array("{}".utf8)])
    }

    /// A decisions file read as kept metadata, a file from a future format, and a header-less file from an older
    /// Winnow all stop with an error naming the file and both formats.
    func testReaderRefusesAnotherKindOrVersion() throws {
        let dir = try makeTempDir(self)
        let path = (dir as NSString).appendingPathComponent("reduce1-p00000.decisions")
        let w = try WorkFile.Decision.writer(path)
        try w.append(WorkFile.Decision(ordinal: 0, decision: BarrierDecision(reason: "r", dupOf: nil, annotations: Annotations(), rewrite: nil)))
        try w.commit()
        XCTAssertThrowsError(try WorkFile.KeptMeta.forEach(path) { _ in }) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains(path) && text.contains("decisions version 1") && text.contains("kept-meta version 1"), text)
        }

        let future = (dir as NSString).appendingPathComponent("future.decisions")
        let fw = try RecordWriter(path: future)
        var h = RecordEncoder(); h.string(WorkFileHeader.magic); h.string(WorkFile.Decision.kind); h.u32(WorkFile.Decision.version + 1)
        try fw.append(h)
        try fw.commit()
        XCTAssertThrowsError(try WorkFile.Decision.forEach(future) { _ in }) { e in
            XCTAssertTrue("\(e)".contains("decisions version 2"), "\(e)")
        }

        let old = (dir as NSString).appendingPathComponent("old.decisions")
        let ow = try RecordWriter(path: old)
        var r = RecordEncoder(); r.u32(0); r.string("exact_duplicate"); r.optionalString(nil); r.annotations(Annotations()); r.bytes.append(0)
        try ow.append(r)
        try ow.commit()
        XCTAssertThrowsError(try WorkFile.Decision.forEach(old) { _ in }) { e in
            XCTAssertTrue("\(e)".contains("no work-file header") && "\(e)".contains("--fresh"), "\(e)")
        }
    }
}
