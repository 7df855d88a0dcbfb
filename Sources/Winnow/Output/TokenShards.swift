import Foundation

/// Token shard formats that trainers read directly.
public enum TokenShardFormat: String, Sendable, CaseIterable {
    /// llm.c's `.bin`: a header of 256 little-endian int32 (magic, version, token count), then the tokens —
    /// uint16 (magic 20240520, version 1) or, for vocabularies over 65,536, uint32 (magic 20240801, version 7);
    /// the end-of-text token comes before each document, as llm.c's own data scripts write it.
    case llmc
    /// Megatron-LM's indexed dataset: `.bin` (the tokens, uint16 for vocabularies under 65,500, else int32) and
    /// `.idx` (`MMIDIDX\0\0`, version 1, dtype code, sequence and document counts, int32 sequence lengths, int64
    /// byte pointers, int64 document indices); one sequence per document, the end-of-text token appended to
    /// each (Megatron's `--append-eod`).
    case megatron

    public static let llmcMagic16: Int32 = 20240520, llmcMagic32: Int32 = 20240801
    public static let megatronMagic: [UInt8] = Array("MMIDIDX".utf8) + [0, 0]

    /// Whether tokens are stored in 4 bytes for this vocabulary size.
    public func wide(vocabularySize: Int) -> Bool {
        switch self {
        case .llmc: return vocabularySize > 65536
        case .megatron: return vocabularySize >= 65500
        }
    }

    /// The files one shard named `base` consists of.
    public func files(_ base: String) -> [String] { self == .llmc ? [base + ".bin"] : [base + ".bin", base + ".idx"] }
}

/// Writes one token shard whose size is known in advance (documents are placed before they are written), so
/// llm.c's header goes first and every file streams through SHA-256 once. Files appear atomically on commit.
final class TokenShardWriter {
    struct File { let name: String; let bytes: Int64; let sha256: String }

    let format: TokenShardFormat
    let wide: Bool
    private let eot: Int32
    private let base: String
    private let bin: AtomicCompressedWriter
    private var lengths: [Int32] = []
    private var scratch: [UInt8] = []
    private(set) var tokens: Int64 = 0
    private let plannedTokens: Int64

    /// `plannedTokens`: every token the shard will hold, end-of-text tokens included.
    init(base: String, format: TokenShardFormat, wide: Bool, eot: Int32, plannedTokens: Int64) throws {
        guard plannedTokens < Int64(Int32.max) || format == .megatron else {
            throw FileError(base + ".bin", "an llm.c shard holds fewer than 2^31 tokens; lower output.shard_tokens")
        }
        self.format = format; self.wide = wide; self.eot = eot; self.base = base; self.plannedTokens = plannedTokens
        bin = try AtomicCompressedWriter(path: base + ".bin", compression: .none, level: nil)
        if format == .llmc {
            var header = [Int32](repeating: 0, count: 256)
            header[0] = wide ? TokenShardFormat.llmcMagic32 : TokenShardFormat.llmcMagic16
            header[1] = wide ? 7 : 1
            header[2] = Int32(plannedTokens)
            try header.map(\.littleEndian).withUnsafeBytes { try bin.write($0) }
        }
    }

    /// Appends one document's tokens with its end-of-text token (before it for llm.c, after it for Megatron).
    /// Returns the offset of the document's first token in the shard (in tokens, header excluded).
    @discardableResult
    func add(_ ids: UnsafeBufferPointer<Int32>) throws -> Int64 {
        let offset = format == .llmc ? tokens + 1 : tokens
        let size = wide ? 4 : 2, n = ids.count + 1
        if scratch.count < n * size { scratch = [UInt8](repeating: 0, count: n * size) }
        scratch.withUnsafeMutableBytes { out in
            var k = 0
            func put(_ id: Int32) {
                if wide { out.storeBytes(of: UInt32(bitPattern: id).littleEndian, toByteOffset: k, as: UInt32.self) }
                else { out.storeBytes(of: UInt16(truncatingIfNeeded: id).littleEndian, toByteOffset: k, as: UInt16.self) }
                k += size
            }
            if format == .llmc { put(eot) }
            for id in ids { put(id) }
            if format == .megatron { put(eot) }
        }
        try scratch.withUnsafeBytes { try bin.write(UnsafeRawBufferPointer(rebasing: $0[0..<(n * size)])) }
        tokens += Int64(ids.count + 1)
        lengths.append(Int32(ids.count + 1))
        return offset
    }

    var documents: Int { lengths.count }

    /// Publishes the shard's files; their names, sizes and SHA-256.
    func commit() throws -> [File] {
        precondition(tokens == plannedTokens, "token shard \(base): planned \(plannedTokens) tokens, wrote \(tokens)")
        let (binBytes, binSha) = try bin.commit()
        var files = [File(name: (base as NSString).lastPathComponent + ".bin", bytes: binBytes, sha256: binSha)]
        if format == .megatron {
            let idx = try AtomicCompressedWriter(path: base + ".idx", compression: .none, level: nil)
            var out = TokenShardFormat.megatronMagic
            func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
            u64(1)                                              // version
            out.append(wide ? 4 : 8)                            // dtype: int32 (4) or uint16 (8)
            u64(UInt64(lengths.count))                          // sequences
            u64(UInt64(lengths.count + 1))                      // document indices: 0, 1, …, n
            for l in lengths { withUnsafeBytes(of: l.littleEndian) { out += $0 } }
            var pointer: Int64 = 0
            let size = Int64(wide ? 4 : 2)
            for l in lengths { withUnsafeBytes(of: pointer.littleEndian) { out += $0 }; pointer += Int64(l) * size }
            for d in 0...lengths.count { withUnsafeBytes(of: Int64(d).littleEndian) { out += $0 } }
            try out.withUnsafeBytes { try idx.write($0) }
            let (idxBytes, idxSha) = try idx.commit()
            files.append(File(name: (base as NSString).lastPathComponent + ".idx", bytes: idxBytes, sha256: idxSha))
        }
        return files
    }

    func abandon() { bin.abandon() }
}
