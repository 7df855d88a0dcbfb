import Foundation

/// `exact_dedup` (barrier): drops documents whose normalised text hashes the same as an earlier
/// document's, keeping the first in the global order (source order in the spec, then input path,
/// then line). Records `dup_of` = the kept document's id.
///
/// Normalisation: `none` (bytes as they are), `whitespace` (runs of whitespace collapsed to one
/// space, ends trimmed), `lowercase` (that, plus lower-casing). The key is 128 bits (two xxHash64
/// with different seeds), so an accidental collision needs ~2^64 documents.
public final class ExactDedup: RememberingBarrier {
    public enum Normalize: String, Codable, Sendable, CaseIterable { case none, whitespace, lowercase }

    public struct Parameters: StepParameters {
        @Param("normalize", Schema.string("How text is normalised before hashing.", enumeration: Normalize.allCases.map(\.rawValue)))
        public var normalize: Normalize = .lowercase
        public init() {}
    }

    public let name: String
    public let parameters: Parameters

    public init(name: String = "exact_dedup", parameters: Parameters = Parameters()) {
        self.name = name
        self.parameters = parameters
    }

    static let descriptor = StepDescriptor(
        type: "exact_dedup", kind: .barrier,
        summary: "Drops exact duplicates of the normalised text, keeping the first in input order (reason: duplicate; dup_of = kept id).",
        parameters: Parameters.self,
        build: { spec, _ in .barrier(ExactDedup(name: spec.effectiveName, parameters: try spec.decodeParameters(Parameters.self))) })

    /// The normalised text bytes that are hashed.
    public func normalized(_ text: String) -> [UInt8] {
        switch parameters.normalize {
        case .none: return Array(text.utf8)
        case .whitespace: return Self.collapse(Array(text.utf8))
        case .lowercase: return Self.collapse(Array(text.lowercased().utf8))
        }
    }

    static func collapse(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](); out.reserveCapacity(bytes.count)
        var pendingSpace = false
        for b in bytes {
            if b == 0x20 || (b >= 0x09 && b <= 0x0D) { pendingSpace = !out.isEmpty; continue }
            if pendingSpace { out.append(0x20); pendingSpace = false }
            out.append(b)
        }
        return out
    }

    public func key(for doc: Document) -> [UInt8] {
        let bytes = normalized(doc.text)
        let h1 = XXHash64.hash(bytes, seed: 0x5EED_0001)
        let h2 = XXHash64.hash(bytes, seed: 0x5EED_0002)
        var out = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 { out[i] = UInt8(truncatingIfNeeded: h1 >> (UInt64(i) * 8)); out[8 + i] = UInt8(truncatingIfNeeded: h2 >> (UInt64(i) * 8)) }
        return out
    }

    public func makeReducer() -> BarrierReducer { Reducer(normalize: parameters.normalize) }

    public var indexName: String { "index/\(name).exact.idx" }

    public func makeReducer(index: CrossRunIndex) throws -> BarrierReducer {
        let r = Reducer(normalize: parameters.normalize, output: index.output)
        for path in index.earlier { try r.load(path, excluding: index.excluding) }
        return r
    }

    static let indexMagic = Array("WNEXIDX1".utf8)

    final class Reducer: BarrierReducer {
        struct Key: Hashable { let a: UInt64; let b: UInt64 }
        private var firstSeen: [Key: String] = [:]
        /// Keys that came from earlier versions' indexes (their documents are not this run's).
        private var earlier = Set<Key>()
        private var order: [Key] = []
        private var decisions: [Int: BarrierDecision] = [:]
        let normalize: Normalize
        let output: String?

        init(normalize: Normalize, output: String? = nil) { self.normalize = normalize; self.output = output }

        /// The header: an index is only comparable with one written under the same normalisation.
        var header: [UInt8] { var e = RecordEncoder(); e.bytes = ExactDedup.indexMagic; e.string(normalize.rawValue); return e.bytes }

        /// Adds an earlier version's entries (ids in `excluding` left out).
        func load(_ path: String, excluding: Set<String>) throws {
            let bytes = try readFileBytes(path)
            let header = self.header
            guard bytes.count >= header.count + 4, Array(bytes[0..<8]) == ExactDedup.indexMagic else { throw FileError(path, "not an exact_dedup index") }
            guard Array(bytes[0..<header.count]) == header else { throw FileError(path, "written with another normalize than this step's \"\(normalize.rawValue)\"") }
            try bytes.withUnsafeBytes { raw in
                var d = RecordDecoder(raw)
                d.i = header.count
                let n = d.u32()
                for _ in 0..<n {
                    guard d.i + 20 <= raw.count else { throw FileError(path, "truncated") }
                    let k = Key(a: UInt64(truncatingIfNeeded: d.u64()), b: UInt64(truncatingIfNeeded: d.u64()))
                    guard d.i + 4 + Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: d.i, as: UInt32.self))) <= raw.count else { throw FileError(path, "truncated") }
                    let id = d.string()
                    if excluding.contains(id) || firstSeen[k] != nil { continue }
                    firstSeen[k] = id
                    earlier.insert(k)
                }
            }
        }

        func consume(order o: Int, docID: String, key: UnsafeRawBufferPointer) {
            guard key.count == 16 else { return }
            let k = Key(a: key.loadUnaligned(fromByteOffset: 0, as: UInt64.self), b: key.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            if let kept = firstSeen[k] {
                var a = Annotations()
                if earlier.contains(k) { a["exact_previous_run"] = .bool(true) }
                decisions[o] = BarrierDecision(reason: "duplicate", dupOf: kept, annotations: a)
            } else {
                firstSeen[k] = docID
                order.append(k)
            }
        }

        func finish() throws -> [Int: BarrierDecision] {
            if let output {   // this run's survivors, in the global order
                var e = RecordEncoder()
                e.bytes = header
                e.u32(order.count)
                for k in order { e.u64(Int(truncatingIfNeeded: k.a)); e.u64(Int(truncatingIfNeeded: k.b)); e.string(firstSeen[k] ?? "") }
                try FileManager.default.createDirectory(atPath: (output as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try writeFileAtomically(output, e.bytes)
            }
            return decisions
        }
    }
}
