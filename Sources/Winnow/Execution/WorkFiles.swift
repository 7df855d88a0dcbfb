import Foundation

/// Paths of a run's intermediate files under `<output.dir>/.winnow/<run_id>/`, removed when the run finishes.
struct WorkFiles {
    let dir: String

    private func name(_ s: String) -> String { (dir as NSString).appendingPathComponent(s) }
    private func p5(_ p: Int) -> String { String(format: "%05d", p) }

    var plan: String { name("plan.json") }
    /// An incremental run's `DatasetPlan`.
    var datasetPlan: String { name("dataset.json") }
    func staged(_ stage: Int, _ p: Int) -> String { name("stage\(stage)-p\(p5(p)).docs") }
    func keys(_ stage: Int, _ p: Int) -> String { name("stage\(stage)-p\(p5(p)).keys") }
    func decisions(_ barrier: Int, _ p: Int) -> String { name("reduce\(barrier)-p\(p5(p)).decisions") }
    /// Kept documents of a partition: local shard, position, line, id, annotations (for lineage rows).
    func finalMeta(_ p: Int) -> String { name("final-p\(p5(p)).meta") }
    /// A run that keeps an earlier run's cleaned shards: that run's id.
    var reusedCleaning: String { name("cleaning-run") }
    /// Such a run's annotations of text shard `s`'s documents, in shard order (read back from lineage).
    func reusedAnnotations(_ s: Int) -> String { name("annotations-s\(p5(s)).meta") }
    /// Shards a partition wrote: name, documents, bytes, uncompressed bytes, SHA-256.
    func finalShards(_ p: Int) -> String { name("final-p\(p5(p)).shards") }
}

/// The records of the work files stages pass each other, one type per file kind: each encodes and decodes itself
/// here and nowhere else. Every file starts with a header naming its kind and format version; a reader meeting
/// another kind or version stops with an error naming the file (a run started by another Winnow version).
enum WorkFile {
    /// A document that survived stage j, for stage j + 1 (`stage<j>-p<p>.docs`).
    struct StagedDoc: WorkRecord {
        static let kind = "staged-docs", version = 1
        var ordinal: Int, line: Int, id: String, text: String, metadata: [UInt8], annotations: Annotations
        func encode(_ e: inout RecordEncoder) {
            e.u32(ordinal); e.u64(line); e.string(id); e.string(text); e.blob(metadata); e.annotations(annotations)
        }
        init(ordinal: Int, line: Int, id: String, text: String, metadata: [UInt8], annotations: Annotations) {
            self.ordinal = ordinal; self.line = line; self.id = id; self.text = text; self.metadata = metadata; self.annotations = annotations
        }
        init(_ d: inout RecordDecoder) {
            ordinal = d.u32(); line = d.u64(); id = d.string(); text = d.string(); metadata = d.blob(); annotations = d.annotations()
        }
    }

    /// A document's key for the barrier after stage j (`stage<j>-p<p>.keys`); the key's bytes are the step's own.
    /// Read in place: `key` is valid only inside the reader's callback.
    struct BarrierKey: WorkRecord {
        static let kind = "barrier-keys", version = 1
        var ordinal: Int, docID: String, key: UnsafeRawBufferPointer
        func encode(_ e: inout RecordEncoder) { e.u32(ordinal); e.string(docID); e.u32(key.count); e.bytes += key }
        init(ordinal: Int, docID: String, key: UnsafeRawBufferPointer) { self.ordinal = ordinal; self.docID = docID; self.key = key }
        init(_ d: inout RecordDecoder) { ordinal = d.u32(); docID = d.string(); key = d.blobSlice() }
    }

    /// A barrier's decision on one document of a partition (`reduce<b>-p<p>.decisions`), in ordinal order.
    struct Decision: WorkRecord {
        static let kind = "decisions", version = 1
        var ordinal: Int, decision: BarrierDecision
        func encode(_ e: inout RecordEncoder) {
            e.u32(ordinal); e.string(decision.reason); e.optionalString(decision.dupOf); e.annotations(decision.annotations)
            if let r = decision.rewrite { e.bytes.append(1); e.blob(r) } else { e.bytes.append(0) }
        }
        init(ordinal: Int, decision: BarrierDecision) { self.ordinal = ordinal; self.decision = decision }
        init(_ d: inout RecordDecoder) {
            ordinal = d.u32()
            let reason = d.string(), dupOf = d.optionalString(), annotations = d.annotations()
            decision = BarrierDecision(reason: reason, dupOf: dupOf, annotations: annotations, rewrite: d.byte() == 1 ? d.blob() : nil)
        }
    }

    /// A kept document's place in its partition's shards (`final-p<p>.meta`), for its lineage row and curriculum.
    struct KeptMeta: WorkRecord {
        static let kind = "kept-meta", version = 1
        var localShard: Int, position: Int, line: Int, id: String, annotations: [UInt8]
        func encode(_ e: inout RecordEncoder) { e.u32(localShard); e.u32(position); e.u64(line); e.string(id); e.blob(annotations) }
        init(localShard: Int, position: Int, line: Int, id: String, annotations: [UInt8]) {
            self.localShard = localShard; self.position = position; self.line = line; self.id = id; self.annotations = annotations
        }
        init(_ d: inout RecordDecoder) { localShard = d.u32(); position = d.u32(); line = d.u64(); id = d.string(); annotations = d.blob() }
    }

    /// A shard a partition wrote under its partition-local name (`final-p<p>.shards`).
    struct ShardListEntry: WorkRecord {
        static let kind = "shard-list", version = 1
        var name: String, documents: Int, bytes: Int64, uncompressedBytes: Int64, sha256: String
        func encode(_ e: inout RecordEncoder) { e.string(name); e.u64(documents); e.u64(Int(bytes)); e.u64(Int(uncompressedBytes)); e.string(sha256) }
        init(name: String, documents: Int, bytes: Int64, uncompressedBytes: Int64, sha256: String) {
            self.name = name; self.documents = documents; self.bytes = bytes; self.uncompressedBytes = uncompressedBytes; self.sha256 = sha256
        }
        init(_ d: inout RecordDecoder) { name = d.string(); documents = d.u64(); bytes = Int64(d.u64()); uncompressedBytes = Int64(d.u64()); sha256 = d.string() }
    }

    /// A bucket a document shares with an earlier one, from one band range of a staged MinHash reduce
    /// (`<step>-bands<a>-<b>.pairs`): `earlier` ≥ 0 is a document of this run, -1 - j an earlier run's document j.
    struct BucketHit: WorkRecord {
        static let kind = "minhash-pairs", version = 1
        var document: Int, earlier: Int32
        func encode(_ e: inout RecordEncoder) { e.u32(document); e.u32(Int(earlier)) }
        init(document: Int, earlier: Int32) { self.document = document; self.earlier = earlier }
        init(_ d: inout RecordDecoder) { document = d.u32(); earlier = Int32(truncatingIfNeeded: d.u32()) }
    }

    /// A kept document encoded by the token phase (`tokens-s<s>.docs`; its tokens are in the `.tok` file beside).
    struct EncodedDoc: WorkRecord {
        static let kind = "encoded-docs", version = 2
        /// `clusterSize`: the `minhash_cluster_size` annotation (1 without one), for the mixture's `rehydrate`.
        var id: [UInt8], tokens: Int, score: Double, language: String, clusterSize: Int
        func encode(_ e: inout RecordEncoder) { e.blob(id); e.u32(tokens); e.f64(score); e.string(language); e.u32(clusterSize) }
        init(id: [UInt8], tokens: Int, score: Double, language: String, clusterSize: Int = 1) {
            self.id = id; self.tokens = tokens; self.score = score; self.language = language; self.clusterSize = clusterSize
        }
        init(_ d: inout RecordDecoder) { id = d.blob(); tokens = d.u32(); score = d.f64(); language = d.string(); clusterSize = d.u32() }
    }

    /// A kept document's annotations (JSON), in shard order, for a run that keeps an earlier run's cleaning
    /// (`annotations-s<s>.meta`).
    struct ShardAnnotations: WorkRecord {
        static let kind = "shard-annotations", version = 1
        var json: [UInt8]
        func encode(_ e: inout RecordEncoder) { e.blob(json) }
        init(json: [UInt8]) { self.json = json }
        init(_ d: inout RecordDecoder) { json = d.blob() }
    }
}
