import Foundation

/// `minhash_dedup` (barrier): near-duplicate removal with MinHash and locality-sensitive hashing, as FineWeb
/// and datatrove do it (Broder 1997; 14 bands × 8 rows, 5-word shingles).
///
/// Map half (in the workers): the text is normalised — NFKC, lower-cased, runs of digits (with one decimal
/// separator) folded to `0`, punctuation, symbols and controls turned into spaces, whitespace collapsed,
/// diacritics removed (NFD, combining marks dropped) — then cut into shingles: `ngram_size` consecutive words
/// (or characters, `shingle: "char"`, for scripts without spaces), each hashed with xxHash64; a text shorter
/// than one shingle is one shingle. The signature is, for each of bands × rows permutations
/// h ↦ (a·h + b) mod (2^61 − 1) (64-bit wrapping multiply, as datatrove's numpy code), the minimum over the
/// shingles; a, b come from the spec's seed.
///
/// Reduce half (once, in the global order): each band of `rows` minimums is a bucket key; a document sharing
/// a bucket with an earlier one is a candidate duplicate of that document — accepted as is (`verify: "none"`),
/// or when the signatures' share of equal minimums (`estimated`) or the shingle sets' Jaccard similarity
/// (`exact`) is at least `threshold`. Accepted pairs are joined into clusters (union–find); each cluster keeps
/// one document — `first` in the global order, `longest` (characters; ties: first) or
/// `highest_score:<annotation>` (ties: first) — and drops the rest with reason `near_duplicate`, `dup_of` =
/// the kept document and annotations `minhash_cluster` (the kept document's position in the global order)
/// and `minhash_similarity` (estimated, or exact with `verify: "exact"`, against the kept document).
public final class MinHashDedup: StagedBarrier, RememberingBarrier, RewritingBarrier, @unchecked Sendable {
    public enum Verify: String, Codable, Sendable, CaseIterable { case none, estimated, exact }
    public enum Shingle: String, Codable, Sendable, CaseIterable { case word, char }

    struct Parameters: StepParameters {
        // FineWeb / datatrove MinhashConfig: 5-grams, 14 buckets × 8 hashes, seed 1.
        @Param("ngram_size", Schema.integer("Words (or characters, with shingle: char) per shingle.", minimum: 1, maximum: 64))
        var ngramSize = 5
        @Param("bands", Schema.integer("LSH bands (buckets).", minimum: 1, maximum: 256))
        var bands = 14
        @Param("rows", Schema.integer("Minimums per band.", minimum: 1, maximum: 64))
        var rows = 8
        @Param("seed", Schema.integer("Seed of the permutations; the same seed gives the same signatures.", minimum: 0))
        var seed = 1
        @Param("shingle", Schema.string("word: n consecutive words; char: n consecutive characters (for scripts without spaces).",
                                        enumeration: Shingle.allCases.map(\.rawValue)))
        var shingle = Shingle.word
        @Param("threshold", Schema.number("Similarity a candidate pair needs when verify is estimated or exact.", minimum: 0, maximum: 1))
        var threshold = 0.8
        @Param("verify", Schema.string("none: every pair sharing a bucket is a duplicate; estimated: the signatures' share of equal minimums ≥ threshold; exact: the shingle sets' Jaccard similarity ≥ threshold (keeps every document's shingles in memory).",
                                       enumeration: Verify.allCases.map(\.rawValue)))
        var verify = Verify.none
        @Param("keep", Schema.string("Which document of a cluster stays: first (global input order), longest (characters), or highest_score:<annotation> (a numeric annotation of an earlier step).",
                                     pattern: "^(first|longest|highest_score:.+)$"))
        var keep = "first"
        @Param("mode", Schema.string("memory: one reduce over all signatures; staged: the reduce as stages over files — buckets per band range (band_tasks tasks, run in parallel), then the cluster merge — which stage tasks (winnow run --stage) run as separate tasks. Both give identical results.",
                                     enumeration: ["memory", "staged"]))
        var mode = "memory"
        @Param("band_tasks", Schema.integer("With mode staged: how many band ranges the bucket stage is cut into.", minimum: 1, maximum: 256))
        var bandTasks = 4
        @Param("index", Schema.boolean("Write the bucket keys of the documents this step keeps to <output.dir>/minhash/<step name>.idx, for later runs' `against`."))
        var index = false
        @Param("against", Schema.array("Index files of earlier runs (relative to the spec): a document near one of theirs is dropped as its duplicate (dup_of = the earlier id).",
                                       items: Schema.string("An .idx file written with index: true and the same ngram_size, bands, rows, seed and shingle.", minLength: 1)))
        var against: [String] = []
        @Param("group_by", Schema.string("Deduplicate within groups only: the name of an annotation of an earlier step, else of a top-level input field, whose value makes the group — \"language\" deduplicates each language apart, as FineWeb-2 does; documents without it form one group. Empty: all documents are one group. Index files (index, against) hold grouped keys: use the same group_by with them."))
        var groupBy = ""
        init() {}
    }

    enum Keep: Equatable, Sendable { case first, longest, highestScore(String) }

    public let name: String
    let ngramSize: Int, bands: Int, rows: Int
    let shingle: Shingle
    let threshold: Double
    let verify: Verify
    let keep: Keep
    let seed: UInt64
    /// Where the reduce half writes the kept documents' bucket keys (`index: true`).
    let indexPath: String?
    /// `mode: "staged"`, and how many band ranges its bucket stage has.
    let staged: Bool
    let bandTasks: Int
    /// `group_by`: the annotation (or input field) whose value keeps documents of different groups apart.
    let groupBy: String?
    /// The permutations' multipliers and offsets.
    let a: [UInt64], b: [UInt64]
    static let mersenne: UInt64 = (1 << 61) - 1

    static let descriptor = StepDescriptor(
        type: "minhash_dedup", kind: .barrier,
        summary: "Drops near-duplicates found by MinHash LSH, keeping one document per cluster (reason: near_duplicate; dup_of = kept id; annotations minhash_cluster, minhash_similarity; the kept document of each cluster: minhash_cluster_size).",
        parameters: Parameters.self,
        build: { spec, context in
            let p = try spec.decodeParameters(Parameters.self)
            let keep: Keep
            switch p.keep {
            case "first": keep = .first
            case "longest": keep = .longest
            default: keep = .highestScore(String(p.keep.dropFirst("highest_score:".count)))
            }
            let step = MinHashDedup(name: spec.effectiveName, ngramSize: p.ngramSize, bands: p.bands, rows: p.rows, seed: UInt64(p.seed),
                                    shingle: p.shingle, threshold: p.threshold, verify: p.verify, keep: keep,
                                    indexPath: p.index ? PipelineLoader.resolve("minhash/\(spec.effectiveName).idx", context.outputDir) : nil,
                                    staged: p.mode == "staged", bandTasks: p.bandTasks, groupBy: p.groupBy.isEmpty ? nil : p.groupBy)
            for (i, path) in p.against.enumerated() {
                context.filesRead.note(context.resolve(path))
                do { try step.load(index: context.resolve(path)) } catch let e as IndexError {
                    throw StepBuildError("/against/\(i)", "\(context.resolve(path)): \(e.message)")
                }
            }
            return .barrier(step)
        })

    struct IndexError: Error { let message: String }
    static let indexMagic = Array("WNMHIDX1".utf8)

    /// The index header: what must match for bucket keys to be comparable.
    var indexHeader: [UInt8] {
        var e = RecordEncoder()
        e.bytes = Self.indexMagic
        e.u32(ngramSize); e.u32(bands); e.u32(rows); e.u64(Int(truncatingIfNeeded: seed)); e.u32(shingle == .word ? 0 : 1)
        return e.bytes
    }

    /// Documents of earlier runs: their ids and band keys (from `against` files, or an incremental pipeline's
    /// earlier versions).
    struct EarlierDocuments {
        var ids: [String] = []
        var keys: [[UInt64]] = []
    }

    /// The `against` files' documents, loaded when the step is built.
    private(set) var against = EarlierDocuments()

    func load(index path: String) throws { try load(index: path, into: &against, excluding: []) }

    /// Adds an index file's documents (ids in `excluding` left out) to `earlier`.
    func load(index path: String, into earlier: inout EarlierDocuments, excluding: Set<String>) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw IndexError(message: "cannot read the index file") }
        let bytes = [UInt8](data)
        let header = indexHeader
        guard bytes.count >= header.count + 4, Array(bytes[0..<8]) == Self.indexMagic else { throw IndexError(message: "not a minhash_dedup index") }
        guard Array(bytes[0..<header.count]) == header else {
            throw IndexError(message: "written with other ngram_size, bands, rows, seed or shingle than this step's")
        }
        var keys: [[UInt64]] = [], ids: [String] = []
        try bytes.withUnsafeBytes { raw in
            var d = RecordDecoder(raw)
            d.i = header.count
            let n = d.u32()
            guard raw.count >= d.i + n * bands * 8 else { throw IndexError(message: "truncated") }
            for _ in 0..<n {
                var k: [UInt64] = []
                for _ in 0..<bands { k.append(UInt64(truncatingIfNeeded: d.u64())) }
                keys.append(k)
            }
            for _ in 0..<n {
                guard d.i + 4 <= raw.count, d.i + 4 + Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: d.i, as: UInt32.self))) <= raw.count else {
                    throw IndexError(message: "truncated")
                }
                ids.append(d.string())
            }
        }
        for (k, id) in zip(keys, ids) where !excluding.contains(id) { earlier.keys.append(k); earlier.ids.append(id) }
    }

    /// `against` plus the earlier versions' index files of an incremental run.
    func earlierDocuments(_ index: CrossRunIndex?) throws -> EarlierDocuments {
        var all = against
        for path in index?.earlier ?? [] {
            do { try load(index: path, into: &all, excluding: index?.excluding ?? []) } catch let e as IndexError { throw FileError(path, e.message) }
        }
        return all
    }

    public var indexName: String { "index/\(name).minhash.idx" }

    public func makeReducer(index: CrossRunIndex) throws -> BarrierReducer {
        Reducer(self, earlier: try earlierDocuments(index), indexOutput: index.output)
    }

    init(name: String, ngramSize: Int = 5, bands: Int = 14, rows: Int = 8, seed: UInt64 = 1, shingle: Shingle = .word,
         threshold: Double = 0.8, verify: Verify = .none, keep: Keep = .first, indexPath: String? = nil,
         staged: Bool = false, bandTasks: Int = 4, groupBy: String? = nil) {
        self.name = name; self.ngramSize = ngramSize; self.bands = bands; self.rows = rows; self.shingle = shingle
        self.groupBy = groupBy
        self.seed = seed; self.indexPath = indexPath; self.staged = staged; self.bandTasks = bandTasks
        self.threshold = threshold; self.verify = verify; self.keep = keep
        var state = seed &+ 0x9E3779B97F4A7C15
        func next() -> UInt64 {   // SplitMix64
            state = state &+ 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
        var a: [UInt64] = [], b: [UInt64] = []
        for _ in 0..<(bands * rows) {
            a.append(1 + next() % (Self.mersenne - 1))
            b.append(next() % Self.mersenne)
        }
        self.a = a; self.b = b
    }

    var permutations: Int { bands * rows }

    // MARK: Map half

    /// The normalised text (see the type's documentation), as UTF-8 with single spaces between words. ASCII
    /// is handled byte by byte (it is its own NFKC and NFD); each run of other characters goes through
    /// Foundation's NFKC, lower-casing and NFD on its own — the same result, as combining marks are dropped.
    static func normalize(_ text: String) -> [UInt8] {
        var n = Normalizer()
        var t = text
        t.withUTF8 { bytes in
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                if b < 0x80 { n.ascii(b); i += 1; continue }
                var j = i
                while j < bytes.count && bytes[j] >= 0x80 { j += 1 }
                let run = String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<j]), as: UTF8.self)
                for u in run.precomposedStringWithCompatibilityMapping.lowercased().decomposedStringWithCanonicalMapping.unicodeScalars {
                    n.scalar(u)
                }
                i = j
            }
        }
        return n.out
    }

    /// The normalisation's state: a pending word break, and whether a number (with at most one decimal
    /// separator) is being folded to `0`.
    struct Normalizer {
        var out: [UInt8] = []
        var pendingSpace = false, inNumber = false, separatorPending = false, separatorUsed = false

        mutating func breakWord() {
            separatorPending = false
            inNumber = false
            pendingSpace = true
        }

        mutating func letter(_ bytes: some Sequence<UInt8>) {
            if separatorPending { separatorPending = false; pendingSpace = true }   // "3." then a word: the period was punctuation
            inNumber = false
            if pendingSpace && !out.isEmpty { out.append(0x20) }
            pendingSpace = false
            out.append(contentsOf: bytes)
        }

        mutating func digit() {
            if separatorPending { separatorPending = false; separatorUsed = true }
            if inNumber { return }
            separatorUsed = false
            if pendingSpace && !out.isEmpty { out.append(0x20) }
            pendingSpace = false
            out.append(0x30)
            inNumber = true
        }

        /// A decimal separator: inside a number the first one is swallowed; otherwise punctuation.
        mutating func separator() {
            if inNumber && !separatorPending && !separatorUsed { separatorPending = true } else { breakWord() }
        }

        mutating func ascii(_ b: UInt8) {
            switch b {
            case 0x41...0x5A: letter(CollectionOfOne(b | 0x20))
            case 0x61...0x7A: letter(CollectionOfOne(b))
            case 0x30...0x39: digit()
            case 0x2E, 0x2C: separator()
            default: breakWord()                       // punctuation, symbols, whitespace, controls
            }
        }

        mutating func scalar(_ u: Unicode.Scalar) {
            if u.isASCII { ascii(UInt8(u.value)); return }
            switch u.properties.generalCategory {
            case .nonspacingMark: return
            case .decimalNumber: digit()
            case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation, .finalPunctuation,
                 .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol, .control, .format,
                 .spaceSeparator, .lineSeparator, .paragraphSeparator:
                if ["\u{060C}", "\u{066B}", "\u{2396}", "\u{2397}", "\u{2398}"].contains(u) { separator() } else { breakWord() }
            default:
                letter(Array(String(Character(u)).utf8))
            }
        }
    }

    /// Shingle hashes of the normalised text (sorted, unique when `unique`).
    func shingles(_ normalized: [UInt8]) -> [UInt64] {
        var out: [UInt64] = []
        normalized.withUnsafeBytes { raw in
            guard !raw.isEmpty else { return }
            var starts: [Int] = []   // unit starts (words, or scalars)
            if shingle == .word {
                starts.append(0)
                for (i, x) in raw.enumerated() where x == 0x20 { starts.append(i + 1) }
            } else {
                for (i, x) in raw.enumerated() where x & 0xC0 != 0x80 && x != 0x20 { starts.append(i) }
            }
            func end(ofUnit k: Int) -> Int {     // byte end of unit k
                if shingle == .word { return k + 1 < starts.count ? starts[k + 1] - 1 : raw.count }
                var e = starts[k] + 1
                while e < raw.count && raw[e] & 0xC0 == 0x80 { e += 1 }
                return e
            }
            let n = starts.count
            if n < ngramSize {
                out.append(XXHash64.hash(raw))
                return
            }
            out.reserveCapacity(n - ngramSize + 1)
            for i in 0...(n - ngramSize) {
                if shingle == .word {
                    out.append(XXHash64.hash(UnsafeRawBufferPointer(rebasing: raw[starts[i]..<end(ofUnit: i + ngramSize - 1)])))
                } else {
                    var bytes: [UInt8] = []
                    for k in i..<(i + ngramSize) { bytes.append(contentsOf: raw[starts[k]..<end(ofUnit: k)]) }
                    out.append(XXHash64.hash(bytes))
                }
            }
        }
        return out
    }

    /// The MinHash signature of a set of shingle hashes.
    func signature(_ shingles: [UInt64]) -> [UInt64] {
        var sig = [UInt64](repeating: UInt64.max, count: permutations)
        guard !shingles.isEmpty else { return sig }
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                shingles.withUnsafeBufferPointer { sh in
                    sig.withUnsafeMutableBufferPointer { sig in
                        // Permutation by permutation: the running minimum stays in a register.
                        for k in 0..<a.count {
                            let ak = a[k], bk = b[k]
                            var m = UInt64.max
                            for h in sh {
                                let x = h &* ak &+ bk
                                // x mod (2^61 − 1) without a division: fold the top 3 bits back in.
                                var v = (x & Self.mersenne) &+ (x >> 61)
                                if v >= Self.mersenne { v -= Self.mersenne }
                                m = min(m, v)
                            }
                            sig[k] = m
                        }
                    }
                }
            }
        }
        return sig
    }

    /// Key: flags (1 = has text), length in characters (u32), score (f64), the signature (u64 each), then with
    /// verify exact the number of distinct shingles (u32) and their sorted hashes.
    /// A document's key as the map half writes it into the barrier-key work file and both reduce halves read it:
    /// whether it has text, its length in characters, its keep score, its signature (`permutations` minimums) and,
    /// with `verify: "exact"`, its sorted shingle set. Read in place from the key's bytes.
    struct Key {
        let hasText: Bool
        let length: Int
        let score: Double
        private var rest: RecordDecoder

        static func encode(hasText: Bool, length: Int, score: Double, signature: [UInt64], shingles: [UInt64]?) -> [UInt8] {
            var e = RecordEncoder()
            e.bytes.reserveCapacity(13 + 8 * signature.count + (shingles.map { 4 + 8 * $0.count } ?? 0))
            e.bytes.append(hasText ? 1 : 0)
            e.u32(length)
            e.f64(score)
            for v in signature { e.u64(Int(truncatingIfNeeded: v)) }
            if let shingles {
                e.u32(shingles.count)
                for v in shingles { e.u64(Int(truncatingIfNeeded: v)) }
            }
            return e.bytes
        }

        init(_ bytes: UnsafeRawBufferPointer) {
            var d = RecordDecoder(bytes)
            hasText = d.byte() == 1
            length = d.u32()
            score = d.f64()
            rest = d
        }

        /// The signature's minimums, in order (call once, before `shingles`).
        mutating func signature(into out: inout [UInt64]) { for t in out.indices { out[t] = UInt64(truncatingIfNeeded: rest.u64()) } }
        /// The shingle set (keys written with `verify: "exact"`), after the signature.
        mutating func shingles() -> [UInt64] { (0..<rest.u32()).map { _ in UInt64(truncatingIfNeeded: rest.u64()) } }
    }

    public func key(for doc: Document) -> [UInt8] {
        let normalized = Self.normalize(doc.text)
        let sh = shingles(normalized)
        var score = -Double.infinity
        if case .highestScore(let key) = keep {
            switch doc.annotations[key] {
            case .number(let d)?: score = d
            case .int(let i)?: score = Double(i)
            default: break
            }
        }
        var sig = signature(sh)
        // A group's documents share a mask over every minimum: within a group equal minimums stay equal (the same
        // buckets and similarities as without groups); across groups no band and no minimum agree.
        if let g = group(of: doc) { for k in sig.indices { sig[k] ^= g } }
        return Key.encode(hasText: !normalized.isEmpty, length: doc.text.scalarCount, score: score, signature: sig,
                          shingles: verify == .exact ? Array(Set(sh)).sorted() : nil)
    }

    /// The mask of the document's group: a hash of its `group_by` value (annotation, else top-level input field);
    /// nil when it has none.
    func group(of doc: Document) -> UInt64? {
        guard let field = groupBy else { return nil }
        var value: String? = nil
        switch doc.annotations[field] {
        case .string(let s)?: value = s
        case .int(let i)?: value = String(i)
        case .number(let d)?: value = String(d)
        case .bool(let b)?: value = String(b)
        default:
            if !doc.metadata.isEmpty, let meta = try? JSONParser.parse(doc.metadata) {
                value = meta[field]?.stringValue ?? meta[field]?.intValue.map(String.init)
            }
        }
        guard let value, !value.isEmpty else { return nil }
        return Array(("group\u{0}" + value).utf8).withUnsafeBytes { XXHash64.hash($0) } | 1
    }

    public func makeReducer() -> BarrierReducer { Reducer(self, earlier: against, indexOutput: indexPath) }

    /// A kept cluster's document: its decision only annotates it (`minhash_cluster_size`).
    public func rewrite(_ doc: inout Document, payload: [UInt8]) -> StepResult { .keep }

    /// The bucket key of one band of a full signature.
    @inline(__always) func bandKey(_ sig: [UInt64], _ band: Int) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325 ^ UInt64(band)
        for r in 0..<rows { h = (h ^ sig[band * rows + r]) &* 0x100000001b3; h ^= h >> 29 }
        return h
    }

    // MARK: Staged reduce

    /// Stage 2 (one task per band range) writes, per document in the global order, the buckets it shares with
    /// an earlier document: (band, document, earlier document or -1 - earlier run's). Stage 3 loads the
    /// documents without bucketing and replays those hits in band-range order — the same pairs, so the same
    /// clusters, survivors and annotations as the one-pass reduce.
    var bandRanges: [Range<Int>] {
        let width = max(1, (bands + bandTasks - 1) / bandTasks)
        return stride(from: 0, to: bands, by: width).map { $0..<min(bands, $0 + width) }
    }
    var bucketTaskCount: Int { bandRanges.count }
    private func pairFile(_ workDir: String, _ r: Range<Int>) -> String { "\(workDir)/\(name)-bands\(r.lowerBound)-\(r.upperBound).pairs" }

    func bucketTask(_ k: Int, keyFiles: [(partition: Int, path: String)], workDir: String, index: CrossRunIndex?) throws {
        let r = bandRanges[k]
        try bucketStage(keyFiles: keyFiles, bands: r, out: pairFile(workDir, r), earlier: try earlierDocuments(index))
    }

    func mergeBuckets(keyFiles: [(partition: Int, path: String)], workDir: String, index: CrossRunIndex?) throws -> (decisions: [Int: BarrierDecision], documents: Int) {
        let earlier = try earlierDocuments(index)
        let pairFiles = bandRanges.map { pairFile(workDir, $0) }
        let reducer = Reducer(self, earlier: earlier, indexOutput: index?.output ?? indexPath)
        reducer.bucketing = false
        var documents = 0
        for (p, path) in keyFiles {
            try WorkFile.BarrierKey.forEach(path) { k in
                documents += 1
                reducer.consume(order: p << 32 | k.ordinal, docID: k.docID, key: k.key)
            }
        }
        for path in pairFiles {
            try WorkFile.BucketHit.forEach(path) { reducer.hit($0.earlier, $0.document) }
        }
        return (try reducer.finish(), documents)
    }

    /// Stage 2 for one band range: bucket keys in the global order; earlier runs' documents first.
    func bucketStage(keyFiles: [(partition: Int, path: String)], bands range: Range<Int>, out: String, earlier: EarlierDocuments) throws {
        var buckets = Array(repeating: [UInt64: Int32](), count: range.count)
        for (j, keys) in earlier.keys.enumerated() {
            for band in range where buckets[band - range.lowerBound][keys[band]] == nil { buckets[band - range.lowerBound][keys[band]] = Int32(-1 - j) }
        }
        let w = try WorkFile.BucketHit.writer(out)
        var i = 0
        var sig = [UInt64](repeating: 0, count: permutations)
        for (_, path) in keyFiles {
            try WorkFile.BarrierKey.forEach(path) { k in
                var key = Key(k.key)
                key.signature(into: &sig)
                if key.hasText {
                    for band in range {
                        let h = bandKey(sig, band)
                        if let j = buckets[band - range.lowerBound][h] {
                            try w.append(WorkFile.BucketHit(document: i, earlier: j))
                        } else {
                            buckets[band - range.lowerBound][h] = Int32(i)
                        }
                    }
                }
                i += 1
            }
        }
        try w.commit()
    }

    // MARK: Reduce half

    final class Reducer: BarrierReducer {
        let step: MinHashDedup
        let k: Int
        private var orders: [Int] = []
        private var ids: [String] = []
        private var lengths: [UInt32] = []
        private var scores: [Double] = []
        /// Signatures' low 32 bits (enough to estimate similarity; the buckets use all 64), 4·k bytes a document.
        private var sigs: [UInt32] = []
        private var shingleSets: [[UInt64]] = []
        private var parent: [Int32] = []
        /// Per band: bucket key → the first document in it.
        private var buckets: [[UInt64: Int32]]
        /// Each document's band keys (for the index), and the earlier run's document it matched.
        private var bandKeys: [UInt64] = []
        private var previousMatch: [Int: Int] = [:]

        /// False in the staged cluster stage: documents are loaded, and the pairs come from the bucket stage.
        var bucketing = true

        let earlier: EarlierDocuments
        let indexOutput: String?

        init(_ step: MinHashDedup, earlier: EarlierDocuments, indexOutput: String?) {
            self.step = step
            self.earlier = earlier
            self.indexOutput = indexOutput
            k = step.permutations
            buckets = Array(repeating: [:], count: step.bands)
            // Earlier runs' documents occupy their buckets first, as -1 - their index.
            for (j, keys) in earlier.keys.enumerated() {
                for band in 0..<step.bands where buckets[band][keys[band]] == nil { buckets[band][keys[band]] = Int32(-1 - j) }
            }
        }

        func consume(order: Int, docID: String, key: UnsafeRawBufferPointer) {
            var parsed = Key(key)
            let i = orders.count
            orders.append(order); ids.append(docID); lengths.append(UInt32(parsed.length)); scores.append(parsed.score)
            parent.append(Int32(i))
            var full = [UInt64](repeating: 0, count: k)
            parsed.signature(into: &full)
            for t in 0..<k { sigs.append(UInt32(truncatingIfNeeded: full[t])) }
            if step.verify == .exact { shingleSets.append(parsed.shingles()) }
            guard parsed.hasText else {   // empty texts are nobody's duplicate
                bandKeys.append(contentsOf: repeatElement(0, count: step.bands))
                return
            }
            for band in 0..<step.bands {
                let h = step.bandKey(full, band)
                bandKeys.append(h)
                guard bucketing else { continue }
                if let j = buckets[band][h] { hit(j, i) } else { buckets[band][h] = Int32(i) }
            }
        }

        /// Document i shares a bucket with j (an earlier document, or an earlier run's as -1 - its index).
        func hit(_ j: Int32, _ i: Int) {
            if j < 0 {
                if previousMatch[i] == nil { previousMatch[i] = Int(-1 - j) }
            } else if accept(Int(j), i) { union(Int(j), i) }
        }

        func estimated(_ x: Int, _ y: Int) -> Double {
            var same = 0
            for t in 0..<k where sigs[x * k + t] == sigs[y * k + t] { same += 1 }
            return Double(same) / Double(k)
        }

        func exact(_ x: Int, _ y: Int) -> Double {
            let s = shingleSets[x], t = shingleSets[y]
            var i = 0, j = 0, inter = 0
            while i < s.count && j < t.count {
                if s[i] == t[j] { inter += 1; i += 1; j += 1 } else if s[i] < t[j] { i += 1 } else { j += 1 }
            }
            let union = s.count + t.count - inter
            return union == 0 ? 1 : Double(inter) / Double(union)
        }

        func accept(_ x: Int, _ y: Int) -> Bool {
            switch step.verify {
            case .none: return true
            case .estimated: return estimated(x, y) >= step.threshold
            case .exact: return exact(x, y) >= step.threshold
            }
        }

        func find(_ x: Int) -> Int {
            var r = x
            while Int(parent[r]) != r { r = Int(parent[r]) }
            var c = x
            while Int(parent[c]) != r { let n = Int(parent[c]); parent[c] = Int32(r); c = n }
            return r
        }

        func union(_ x: Int, _ y: Int) {
            let rx = find(x), ry = find(y)
            if rx == ry { return }
            // The smaller index (earlier in the global order) becomes the root.
            if rx < ry { parent[ry] = Int32(rx) } else { parent[rx] = Int32(ry) }
        }

        func finish() throws -> [Int: BarrierDecision] {
            var members: [Int: [Int]] = [:]
            for i in 0..<orders.count {
                let r = find(i)
                if r != i || members[r] != nil { members[r, default: [r]].append(i) }
            }
            var decisions: [Int: BarrierDecision] = [:]
            // A cluster that matched a document of an earlier run is dropped whole: that document stays.
            var previousOfRoot: [Int: Int] = [:]
            for (i, j) in previousMatch.sorted(by: { $0.key < $1.key }) where previousOfRoot[find(i)] == nil { previousOfRoot[find(i)] = j }
            for (root, j) in previousOfRoot {
                for i in members[root] ?? [root] {
                    var a = Annotations()
                    a["minhash_previous_run"] = .bool(true)
                    decisions[orders[i]] = BarrierDecision(reason: "near_duplicate", dupOf: earlier.ids[j], annotations: a)
                }
            }
            for (root, m) in members where m.count > 1 && previousOfRoot[root] == nil {
                let cluster = m.sorted()
                var keeper = cluster[0]
                switch step.keep {
                case .first: break
                case .longest:
                    for i in cluster where lengths[i] > lengths[keeper] { keeper = i }
                case .highestScore:
                    for i in cluster where scores[i] > scores[keeper] { keeper = i }
                }
                for i in cluster where i != keeper {
                    var a = Annotations()
                    a["minhash_cluster"] = .int(orders[keeper])
                    a["minhash_similarity"] = .number(step.verify == .exact ? exact(i, keeper) : estimated(i, keeper))
                    decisions[orders[i]] = BarrierDecision(reason: "near_duplicate", dupOf: ids[keeper], annotations: a)
                }
                // The kept document learns its cluster's size (FineWeb-2's `minhash_cluster_size`, for rehydration):
                // a decision that keeps it (an empty rewrite) and annotates it.
                var k = Annotations()
                k["minhash_cluster_size"] = .int(cluster.count)
                decisions[orders[keeper]] = BarrierDecision(reason: "", dupOf: nil, annotations: k, rewrite: [])
            }
            if let path = indexOutput { try writeIndex(path, dropped: decisions.filter { $0.value.rewrite == nil }) }
            return decisions
        }

        /// The kept documents' band keys, then their ids, after the step's header (atomically replaced).
        private func writeIndex(_ path: String, dropped: [Int: BarrierDecision]) throws {
            let kept = orders.indices.filter { dropped[orders[$0]] == nil }
            var e = RecordEncoder()
            e.bytes = step.indexHeader
            e.u32(kept.count)
            for i in kept { for b in 0..<step.bands { e.u64(Int(truncatingIfNeeded: bandKeys[i * step.bands + b])) } }
            for i in kept { e.string(ids[i]) }
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(e.bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    }
}
