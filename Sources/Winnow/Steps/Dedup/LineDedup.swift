/// `line_dedup` (barrier): CCNet-style boilerplate removal (Wenzek et al. 2020). Lines — or paragraphs — that
/// occur in at least `min_documents` documents of the corpus are removed from every document that has them;
/// a document left with nothing is dropped (reason `all_lines_duplicated`). Lines are compared after the
/// same normalisation as `minhash_dedup` (case, digits, punctuation, diacritics folded), hashed to 64 bits;
/// lines that normalise to nothing are never removed. Counting uses a count-min sketch of fixed size
/// (`sketch_width` × 4 counters, conservative update), so memory does not grow with the number of distinct
/// lines; it can only over-count (a rare line is removed when hash collisions push it to the threshold).
/// Each changed document gets the annotation `line_dedup_removed` (lines removed).
public final class LineDedup: RewritingBarrier {
    public enum Unit: String, Codable, Sendable, CaseIterable { case line, paragraph }

    struct Parameters: StepParameters {
        @Param("min_documents", Schema.integer("A line in this many documents or more is removed everywhere.", minimum: 2))
        var minDocuments = 2
        @Param("unit", Schema.string("line: split on newlines; paragraph: split on blank lines.", enumeration: Unit.allCases.map(\.rawValue)))
        var unit = Unit.line
        @Param("sketch_width", Schema.integer("Counters per row of the count-min sketch (4 rows of 4-byte counters: 64 MiB at the default).", minimum: 1024, maximum: 1 << 30))
        var sketchWidth = 1 << 22
        init() {}
    }

    public let name: String
    let minDocuments: Int
    let unit: Unit
    let sketchWidth: Int

    static let descriptor = StepDescriptor(
        type: "line_dedup", kind: .barrier,
        summary: "Removes lines (or paragraphs) found in at least min_documents documents — boilerplate — from every document (annotation line_dedup_removed; reason all_lines_duplicated when nothing is left).",
        parameters: Parameters.self,
        build: { spec, _ in
            let p = try spec.decodeParameters(Parameters.self)
            return .barrier(LineDedup(name: spec.effectiveName, minDocuments: p.minDocuments, unit: p.unit, sketchWidth: p.sketchWidth))
        })

    init(name: String, minDocuments: Int = 2, unit: Unit = .line, sketchWidth: Int = 1 << 22) {
        self.name = name; self.minDocuments = minDocuments; self.unit = unit; self.sketchWidth = sketchWidth
    }

    /// The document's units, as slices of its text.
    func units(_ text: String) -> [Substring] {
        switch unit {
        case .line: return text.split(separator: "\n", omittingEmptySubsequences: false)
        case .paragraph: return LanguageID.paragraphs(text)
        }
    }

    /// A unit's hash after normalisation; nil when it normalises to nothing.
    static func hash(_ unit: Substring) -> UInt64? {
        let n = MinHashDedup.normalize(String(unit))
        return n.isEmpty ? nil : XXHash64.hash(n, seed: 0x11FE)
    }

    /// Key: the number of non-empty units (u32), then their distinct hashes (u64 each).
    public func key(for doc: Document) -> [UInt8] {
        let hashes = units(doc.text).compactMap(Self.hash)
        var e = RecordEncoder()
        e.u32(hashes.count)
        for h in Set(hashes).sorted() { e.u64(Int(truncatingIfNeeded: h)) }
        return e.bytes
    }

    public func rewrite(_ doc: inout Document, payload: [UInt8]) -> StepResult {
        var remove = Set<UInt64>()
        payload.withUnsafeBytes { raw in
            for i in stride(from: 0, to: raw.count, by: 8) { remove.insert(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))) }
        }
        var removed = 0
        let kept = units(doc.text).filter { u in
            if let h = Self.hash(u), remove.contains(h) { removed += 1; return false }
            return true
        }
        doc.text = kept.joined(separator: unit == .line ? "\n" : "\n\n")
        doc.annotations["line_dedup_removed"] = .int(removed)
        return .keep
    }

    public func makeReducer() -> BarrierReducer { Reducer(self) }

    final class Reducer: BarrierReducer {
        let step: LineDedup
        private var sketch: [UInt32]
        private let mask: Int
        private var orders: [Int] = []
        private var units: [UInt32] = []
        private var hashes: [UInt64] = []
        private var starts: [Int] = [0]

        init(_ step: LineDedup) {
            self.step = step
            var w = 1024
            while w < step.sketchWidth { w <<= 1 }
            mask = w - 1
            sketch = [UInt32](repeating: 0, count: 4 * w)
        }

        @inline(__always) private func slot(_ h: UInt64, _ row: Int) -> Int {
            let x = (h ^ (UInt64(row) &* 0x9E3779B97F4A7C15)) &* 0xBF58476D1CE4E5B9
            return row * (mask + 1) + Int(truncatingIfNeeded: x >> 20) & mask
        }

        func estimate(_ h: UInt64) -> UInt32 {
            var m = UInt32.max
            for r in 0..<4 { m = min(m, sketch[slot(h, r)]) }
            return m
        }

        func consume(order: Int, docID: String, key: UnsafeRawBufferPointer) {
            var d = RecordDecoder(key)
            orders.append(order)
            units.append(UInt32(d.u32()))
            while d.i < key.count {
                let h = UInt64(truncatingIfNeeded: d.u64())
                hashes.append(h)
                // Conservative update: raise only the counters at the current minimum.
                let m = estimate(h)
                if m == UInt32.max { continue }
                for r in 0..<4 where sketch[slot(h, r)] == m { sketch[slot(h, r)] = m + 1 }
            }
            starts.append(hashes.count)
        }

        func finish() throws -> [Int: BarrierDecision] {
            var decisions: [Int: BarrierDecision] = [:]
            let threshold = UInt32(step.minDocuments)
            for i in orders.indices {
                let frequent = hashes[starts[i]..<starts[i + 1]].filter { estimate($0) >= threshold }
                if frequent.isEmpty { continue }
                if frequent.count == starts[i + 1] - starts[i] {
                    // Every distinct unit is boilerplate: nothing would be left.
                    var a = Annotations()
                    a["line_dedup_removed"] = .int(Int(units[i]))
                    decisions[orders[i]] = BarrierDecision(reason: "all_lines_duplicated", dupOf: nil, annotations: a)
                } else {
                    var e = RecordEncoder()
                    for h in frequent { e.u64(Int(truncatingIfNeeded: h)) }
                    decisions[orders[i]] = BarrierDecision(reason: "", dupOf: nil, rewrite: e.bytes)
                }
            }
            return decisions
        }
    }
}
