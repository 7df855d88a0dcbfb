import CSnappy
import CZlib
import CZstd
import Foundation

/// Parquet's compression of a written file (`output.compression`).
public enum ParquetCompression: String, Sendable {
    case none, snappy, gzip, zstd
    var codec: Int32 { switch self { case .none: 0; case .snappy: 1; case .gzip: 2; case .zstd: 6 } }
}

/// Writes one text shard as a Parquet file: required string columns `id`, `text`, `source`, then one optional
/// column per top-level metadata key, typed from the shard's values (all strings → string, all integers → int64,
/// numbers → double, booleans → boolean; a key with objects, arrays or mixed types → string holding each value's
/// JSON). A metadata key named like a fixed column is written as `metadata_<key>`.
///
/// Row groups close at `rowGroupBytes` of text; data pages (v1) hold about 1 MiB of values each, with a CRC.
/// Columns with few distinct values are dictionary-encoded; every column chunk carries statistics (null count;
/// min and max when they are at most 4 KiB). Metadata columns are written after the row groups' fixed columns, so
/// only the shard's metadata (not its text) waits in memory; a column chunk's place in the file is its own.
/// The file is written under a temporary name and renamed into place by `commit`.
final class ParquetShardWriter {
    static let pageBytes = 1 << 20
    static let maxStatisticsBytes = 4096

    let path: String
    private let compression: ParquetCompression
    private let level: Int?
    private let rowGroupBytes: Int
    private let out: AtomicCompressedWriter
    private var offset: Int64 = 0

    // The row group being gathered: its fixed columns' values.
    private var ids: [UInt8] = [], idEnds: [Int] = []
    private var texts: [UInt8] = [], textEnds: [Int] = []
    private var sources: [String] = []
    // The whole shard's metadata (one JSON object per row) and the rows of each row group.
    private var metadata: [[UInt8]] = []
    private var groupRows: [Int] = []
    private var groups: [[ChunkInfo]] = []
    private var groupBytes: [Int64] = []

    init(path: String, compression: ParquetCompression, level: Int?, rowGroupBytes: Int = 64 << 20) throws {
        self.path = path
        self.compression = compression
        self.level = level
        self.rowGroupBytes = rowGroupBytes
        out = try AtomicCompressedWriter(path: path, compression: .none, level: nil)
        try write(Array("PAR1".utf8))
    }

    func append(id: String, text: String, source: String, metadata meta: [UInt8]) throws {
        ids += id.utf8; idEnds.append(ids.count)
        texts += text.utf8; textEnds.append(texts.count)
        sources.append(source)
        metadata.append(meta)
        if texts.count >= rowGroupBytes { try flushRowGroup() }
    }

    /// Finishes the file: the last row group, the metadata columns, the footer; then renames it into place.
    func commit() throws -> (bytes: Int64, sha256: String) {
        if !sources.isEmpty || groups.isEmpty { try flushRowGroup() }
        let columns = MetadataColumns(metadata)
        metadata = []
        var first = 0
        for g in groups.indices {
            let rows = first ..< first + groupRows[g]
            for c in columns.columns {
                let info = try writeChunk(name: c.name, values: rows.map { c.values[$0] }, type: c.type, optional: true, dictionary: c.type == .byteArray)
                groups[g].append(info)
                groupBytes[g] += info.uncompressed
            }
            first += groupRows[g]
        }
        return try finish(metadataColumns: columns.columns.map { ($0.name, $0.type) })
    }

    /// The metadata columns of a written shard: name and physical type, after `id`, `text`, `source`.
    static func metadataColumns(of file: ParquetFile) -> [MetadataColumns.Signature] {
        file.leaves.dropFirst(3).map { MetadataColumns.Signature(name: $0.name, type: $0.type) }
    }

    /// Rewrites the shard at `path` with metadata columns `schema` (a superset of its own, in that order, types as
    /// wide or wider): a column it lacks is all null; an integer column becomes a double one, any other change a
    /// string one (the value's JSON text). Row groups stay as they are; the file is replaced atomically.
    static func rewrite(_ path: String, to schema: [MetadataColumns.Signature], compression: ParquetCompression, level: Int?) throws {
        let file = try ParquetFile(path: path)
        let h = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? h.close() }
        let w = try ParquetShardWriter(path: path, compression: compression, level: level)
        let own = Dictionary(uniqueKeysWithValues: file.leaves.enumerated().map { ($1.name, $0) })
        for g in file.metadata.rowGroups.indices {
            let rows = Int(file.metadata.rowGroups[g].numRows)
            var infos: [ChunkInfo] = []
            for (k, name) in ["id", "text", "source"].enumerated() {
                infos.append(try w.writeChunk(name: name, values: try file.read(rowGroup: g, column: k, from: h), type: .byteArray, optional: false, dictionary: k == 2))
            }
            for c in schema {
                var values: [ParquetValue?] = Array(repeating: nil, count: rows)
                if let k = own[c.name] {
                    values = try file.read(rowGroup: g, column: k, from: h)
                    if file.leaves[k].type != c.type { values = values.map { $0.map { MetadataColumns.convert($0, to: c.type) } } }
                }
                infos.append(try w.writeChunk(name: c.name, values: values, type: c.type, optional: true, dictionary: c.type == .byteArray))
            }
            w.groups.append(infos)
            w.groupRows.append(rows)
            w.groupBytes.append(infos.reduce(0) { $0 + $1.uncompressed })
        }
        _ = try w.finish(metadataColumns: schema.map { ($0.name, $0.type) })
    }

    /// The footer (schema: the fixed columns, then `metadataColumns`; the row groups written), then the rename.
    private func finish(metadataColumns: [(String, ParquetType)]) throws -> (bytes: Int64, sha256: String) {
        var t = ThriftCompactWriter()
        t.structBody { t in
            t.i32(1, 1)   // version
            let schema: [(String, ParquetType, Bool)] = [("id", .byteArray, false), ("text", .byteArray, false), ("source", .byteArray, false)]
                + metadataColumns.map { ($0.0, $0.1, true) }
            t.list(2, structs: schema.count + 1) { t, k in
                if k == 0 { t.string(4, "schema"); t.i32(5, Int32(schema.count)); return }
                let (name, type, optional) = schema[k - 1]
                t.i32(1, type.rawValue)
                t.i32(3, optional ? 1 : 0)
                t.string(4, name)
                if type == .byteArray {
                    t.i32(6, 0)                                  // converted type UTF8
                    t.structure(10) { $0.structure(1) { _ in } }  // logical type STRING
                }
            }
            t.i64(3, Int64(groupRows.reduce(0, +)))
            t.list(4, structs: groups.count) { t, g in
                t.list(1, structs: groups[g].count) { t, c in
                    let chunk = groups[g][c]
                    t.i64(2, chunk.fileOffset)
                    t.structure(3) { chunk.writeMeta(&$0) }
                }
                t.i64(2, groupBytes[g])
                t.i64(3, Int64(groupRows[g]))
                t.i64(5, groups[g].map(\.fileOffset).min() ?? 4)
                t.i64(6, groups[g].reduce(0) { $0 + $1.compressed })
                t.i32(7, Int32(g))
            }
            t.string(6, "winnow version \(Winnow.version)")
            t.list(7, structs: schema.count) { t, _ in t.structure(1) { _ in } }   // column orders: type-defined
        }
        let footer = t.bytes
        try write(footer)
        let n = UInt32(footer.count)
        try write([UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)] + Array("PAR1".utf8))
        return try out.commit()
    }

    func abandon() { out.abandon() }

    private func write(_ b: [UInt8]) throws {
        try b.withUnsafeBytes { try out.write($0) }
        offset += Int64(b.count)
    }

    private func flushRowGroup() throws {
        var infos: [ChunkInfo] = []
        func strings(_ data: [UInt8], _ ends: [Int]) -> [ParquetValue?] {
            var start = 0
            return ends.map { e in defer { start = e }; return .bytes(data[start..<e]) }
        }
        infos.append(try writeChunk(name: "id", values: strings(ids, idEnds), type: .byteArray, optional: false, dictionary: false))
        infos.append(try writeChunk(name: "text", values: strings(texts, textEnds), type: .byteArray, optional: false, dictionary: false))
        infos.append(try writeChunk(name: "source", values: sources.map { .bytes(ArraySlice($0.utf8)) }, type: .byteArray, optional: false, dictionary: true))
        groups.append(infos)
        groupRows.append(sources.count)
        groupBytes.append(infos.reduce(0) { $0 + $1.uncompressed })
        ids.removeAll(keepingCapacity: true); idEnds.removeAll(keepingCapacity: true)
        texts.removeAll(keepingCapacity: true); textEnds.removeAll(keepingCapacity: true)
        sources.removeAll(keepingCapacity: true)
    }

    // MARK: - Column chunks

    /// What the footer says of a written column chunk.
    struct ChunkInfo {
        let name: String
        let type: ParquetType
        var encodings: [Int32]
        let codec: Int32
        let values: Int
        var uncompressed: Int64 = 0
        var compressed: Int64 = 0
        var dataPageOffset: Int64 = 0
        var dictionaryPageOffset: Int64?
        var nullCount = 0
        var min: [UInt8]?, max: [UInt8]?
        var fileOffset: Int64 { dictionaryPageOffset ?? dataPageOffset }

        func writeMeta(_ t: inout ThriftCompactWriter) {
            t.i32(1, type.rawValue)
            t.list(2, i32: encodings)
            t.list(3, strings: [name])
            t.i32(4, codec)
            t.i64(5, Int64(values))
            t.i64(6, uncompressed)
            t.i64(7, compressed)
            t.i64(9, dataPageOffset)
            if let d = dictionaryPageOffset { t.i64(11, d) }
            t.structure(12) { t in
                t.i64(3, Int64(nullCount))
                if let max, let min {
                    t.binary(5, max)
                    t.binary(6, min)
                }
            }
        }
    }

    private func writeChunk(name: String, values: [ParquetValue?], type: ParquetType, optional: Bool, dictionary tryDictionary: Bool) throws -> ChunkInfo {
        var info = ChunkInfo(name: name, type: type, encodings: [], codec: compression.codec, values: values.count)
        info.nullCount = values.reduce(0) { $0 + ($1 == nil ? 1 : 0) }
        (info.min, info.max) = Self.statistics(values, type: type)
        // A dictionary when the values repeat: at most half distinct, and the dictionary at most 1 MiB.
        var dict: [ParquetValue: Int] = [:], order: [ParquetValue] = [], dictBytes = 0
        var useDictionary = tryDictionary && type != .boolean
        if useDictionary {
            let present = values.count - info.nullCount
            for case let v? in values where dict[v] == nil {
                dict[v] = order.count
                order.append(v)
                dictBytes += Self.plainSize(v)
                if order.count > max(1, present / 2) || dictBytes > Self.pageBytes { useDictionary = false; break }
            }
        }
        if useDictionary {
            var plain: [UInt8] = []
            for v in order { Self.appendPlain(v, to: &plain) }
            info.dictionaryPageOffset = offset
            try writePage(dictionary: order.count, body: plain, info: &info)
            info.encodings = [0, 2, 3]   // PLAIN (dictionary page), PLAIN_DICTIONARY, RLE (levels)
        } else {
            info.encodings = optional ? [0, 3] : [0]
        }
        info.dataPageOffset = offset
        let width = max(1, Int.bitWidth - max(0, order.count - 1).leadingZeroBitCount)
        var start = 0
        while start < values.count || (start == 0 && values.isEmpty) {
            // One page: values until about pageBytes of them.
            var end = start, bytes = 0
            while end < values.count && (bytes < Self.pageBytes || end == start) {
                if let v = values[end] { bytes += useDictionary ? 4 : Self.plainSize(v) }
                end += 1
            }
            let page = values[start..<end]
            var body: [UInt8] = []
            if optional {
                var levels: [UInt8] = []
                Self.appendRuns(page.map { $0 == nil ? 0 : 1 }, to: &levels)
                let n = UInt32(levels.count)
                body += [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)] + levels
            }
            if useDictionary {
                body.append(UInt8(width))
                Self.appendBitPacked(page.compactMap { $0.map { dict[$0]! } }, width: width, to: &body)
            } else if type == .boolean {
                var byte: UInt8 = 0, k = 0
                for case .bool(let b)? in page {
                    if b { byte |= 1 << UInt8(k % 8) }
                    k += 1
                    if k % 8 == 0 { body.append(byte); byte = 0 }
                }
                if k % 8 != 0 { body.append(byte) }
            } else {
                for case let v? in page { Self.appendPlain(v, to: &body) }
            }
            try writePage(values: page.count, encoding: useDictionary ? 2 : 0, body: body, info: &info)
            start = end
            if values.isEmpty { break }
        }
        return info
    }

    /// A data page (v1) or, with `dictionary`, a dictionary page: header, then the compressed body.
    private func writePage(values: Int = 0, encoding: Int32 = 0, dictionary: Int? = nil, body: [UInt8], info: inout ChunkInfo) throws {
        let compressed = try compress(body)
        var h = ThriftCompactWriter()
        h.structBody { h in
            h.i32(1, dictionary == nil ? 0 : 2)
            h.i32(2, Int32(body.count))
            h.i32(3, Int32(compressed.count))
            let crc = compressed.withUnsafeBytes { UInt32(truncatingIfNeeded: crc32(0, $0.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt($0.count))) }
            h.i32(4, Int32(bitPattern: crc))
            if let dictionary {
                h.structure(7) { d in d.i32(1, Int32(dictionary)); d.i32(2, 0) }
            } else {
                h.structure(5) { d in d.i32(1, Int32(values)); d.i32(2, encoding); d.i32(3, 3); d.i32(4, 3) }
            }
        }
        try write(h.bytes)
        try write(compressed)
        info.uncompressed += Int64(h.bytes.count + body.count)
        info.compressed += Int64(h.bytes.count + compressed.count)
    }

    private func compress(_ body: [UInt8]) throws -> [UInt8] {
        switch compression {
        case .none: return body
        case .zstd:
            var out = [UInt8](repeating: 0, count: ZSTD_compressBound(body.count))
            let n = body.withUnsafeBytes { i in out.withUnsafeMutableBytes { o in ZSTD_compress(o.baseAddress, o.count, i.baseAddress, i.count, Int32(level ?? 3)) } }
            guard ZSTD_isError(n) == 0 else { throw FileError(path, "zstd compression failed") }
            return Array(out[0..<n])
        case .snappy:
            var n = snappy_max_compressed_length(body.count)
            var out = [UInt8](repeating: 0, count: n)
            let status = body.withUnsafeBytes { i in
                out.withUnsafeMutableBytes { o in
                    snappy_compress(i.baseAddress?.assumingMemoryBound(to: CChar.self), i.count, o.baseAddress?.assumingMemoryBound(to: CChar.self), &n)
                }
            }
            guard status == SNAPPY_OK else { throw FileError(path, "snappy compression failed") }
            return Array(out[0..<n])
        case .gzip:
            var s = z_stream()
            // windowBits 31: the gzip wrapper Parquet's GZIP means; zlib writes mtime 0, so the bytes are reproducible.
            guard deflateInit2_(&s, Int32(level ?? 6), Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                throw FileError(path, "zlib deflate init failed")
            }
            defer { deflateEnd(&s) }
            var out = [UInt8](repeating: 0, count: Int(deflateBound(&s, uLong(body.count))) + 32)
            let r: Int32 = body.withUnsafeBufferPointer { i in
                out.withUnsafeMutableBufferPointer { o in
                    s.next_in = UnsafeMutablePointer(mutating: i.baseAddress); s.avail_in = UInt32(i.count)
                    s.next_out = o.baseAddress; s.avail_out = UInt32(o.count)
                    return deflate(&s, Z_FINISH)
                }
            }
            guard r == Z_STREAM_END else { throw FileError(path, "gzip compression failed") }
            return Array(out[0..<Int(s.total_out)])
        }
    }

    // MARK: - Encodings

    static func plainSize(_ v: ParquetValue) -> Int {
        switch v {
        case .bytes(let b): return 4 + b.count
        case .int, .double: return 8
        case .bool: return 1
        }
    }

    static func appendPlain(_ v: ParquetValue, to out: inout [UInt8]) {
        func le(_ x: UInt64, _ n: Int) { for k in 0..<n { out.append(UInt8(truncatingIfNeeded: x >> (8 * UInt64(k)))) } }
        switch v {
        case .bytes(let b): le(UInt64(b.count), 4); out += b
        case .int(let i): le(UInt64(bitPattern: i), 8)
        case .double(let d): le(d.bitPattern, 8)
        case .bool(let b): out.append(b ? 1 : 0)
        }
    }

    /// RLE runs of bit width 1 (definition levels).
    static func appendRuns(_ levels: [Int], to out: inout [UInt8]) {
        var i = 0
        while i < levels.count {
            var j = i
            while j < levels.count && levels[j] == levels[i] { j += 1 }
            var header = UInt64(j - i) << 1
            while header >= 0x80 { out.append(UInt8(header & 0x7F) | 0x80); header >>= 7 }
            out.append(UInt8(header))
            out.append(UInt8(levels[i]))
            i = j
        }
    }

    /// Bit-packed runs (dictionary indices), at most 63 groups of 8 values each, the last group padded with zeros.
    static func appendBitPacked(_ values: [Int], width: Int, to out: inout [UInt8]) {
        var i = 0
        while i < values.count {
            let n = min(values.count - i, 63 * 8)
            let groups = (n + 7) / 8
            out.append(UInt8(groups << 1 | 1))
            var acc: UInt64 = 0, bits = 0
            for k in 0..<(groups * 8) {
                acc |= UInt64(k < n ? values[i + k] : 0) << UInt64(bits)
                bits += width
                while bits >= 8 { out.append(UInt8(acc & 0xFF)); acc >>= 8; bits -= 8 }
            }
            if bits > 0 { out.append(UInt8(acc & 0xFF)) }
            i += n
        }
    }

    /// Min and max in the footer's byte form: little-endian numbers, strings as bytes (unsigned order); nil when
    /// there are no values or a bound is over `maxStatisticsBytes`.
    static func statistics(_ values: [ParquetValue?], type: ParquetType) -> ([UInt8]?, [UInt8]?) {
        var lo: ParquetValue?, hi: ParquetValue?
        func less(_ a: ParquetValue, _ b: ParquetValue) -> Bool {
            switch (a, b) {
            case (.bytes(let x), .bytes(let y)): return x.lexicographicallyPrecedes(y)
            case (.int(let x), .int(let y)): return x < y
            case (.double(let x), .double(let y)): return x < y
            case (.bool(let x), .bool(let y)): return !x && y
            default: return false
            }
        }
        for case let v? in values {
            if case .double(let d) = v, d.isNaN { continue }
            if lo == nil || less(v, lo!) { lo = v }
            if hi == nil || less(hi!, v) { hi = v }
        }
        guard let lo, let hi else { return (nil, nil) }
        var a: [UInt8] = [], b: [UInt8] = []
        switch (lo, hi) {
        case (.bytes(let x), .bytes(let y)): a = Array(x); b = Array(y)
        case (.bool(let x), .bool(let y)): a = [x ? 1 : 0]; b = [y ? 1 : 0]
        default: appendPlain(lo, to: &a); appendPlain(hi, to: &b)
        }
        guard a.count <= maxStatisticsBytes, b.count <= maxStatisticsBytes else { return (nil, nil) }
        return (a, b)
    }
}

/// The metadata keys of a shard's documents as typed columns, in order of first appearance.
struct MetadataColumns {
    struct Column { var name: String; var type: ParquetType; var values: [ParquetValue?] }
    /// A column's name and type, as shards' schemas are compared and merged.
    struct Signature: Equatable, Sendable { let name: String; let type: ParquetType }
    private(set) var columns: [Column] = []

    /// One schema for every shard of a run, so that a folder of them reads as one dataset: the columns in order of
    /// first appearance; a column typed differently in two shards is a double (integers and doubles) or a string.
    static func union(_ schemas: [[Signature]]) -> [Signature] {
        var out: [Signature] = []
        var at: [String: Int] = [:]
        for s in schemas {
            for c in s {
                guard let k = at[c.name] else { at[c.name] = out.count; out.append(c); continue }
                let t = out[k].type
                if t == c.type { continue }
                let numbers: Set<ParquetType> = [.int64, .double]
                out[k] = Signature(name: c.name, type: numbers.contains(t) && numbers.contains(c.type) ? .double : .byteArray)
            }
        }
        return out
    }

    /// A value in a wider column: an integer as a double, anything as its JSON text.
    static func convert(_ v: ParquetValue, to type: ParquetType) -> ParquetValue {
        switch (v, type) {
        case (.int(let i), .double): return .double(Double(i))
        case (.bytes, _): return v
        case (.int(let i), _): return .bytes(ArraySlice(String(i).utf8))
        case (.double(let d), _): return .bytes(ArraySlice((d.isFinite ? "\(d)" : "null").utf8))
        case (.bool(let b), _): return .bytes(ArraySlice((b ? "true" : "false").utf8))
        }
    }

    init(_ docs: [[UInt8]]) {
        var objects: [JSONObject?] = []
        var keys: [String] = [], seen = Set<String>()
        for m in docs {
            guard !m.isEmpty, case .object(let o)? = try? JSONParser.parse(m) else { objects.append(nil); continue }
            objects.append(o)
            for k in o.keys where seen.insert(k).inserted { keys.append(k) }
        }
        for key in keys {
            let raw = objects.map { $0?[key] }
            var kinds = Set<String>(), integral = true
            for case let v? in raw {
                switch v {
                case .null: break
                case .string: kinds.insert("string")
                case .bool: kinds.insert("bool")
                case .number(let d):
                    kinds.insert("number")
                    if !(d == d.rounded() && abs(d) < 9_007_199_254_740_992) { integral = false }
                default: kinds.insert("json")
                }
            }
            var name = ["id", "text", "source"].contains(key) ? "metadata_" + key : key
            while columns.contains(where: { $0.name == name }) || (name != key && seen.contains(name)) { name += "_" }
            switch kinds {
            case ["bool"]:
                columns.append(Column(name: name, type: .boolean, values: raw.map { if case .bool(let b)? = $0 { return .bool(b) }; return nil }))
            case ["number"]:
                columns.append(Column(name: name, type: integral ? .int64 : .double, values: raw.map {
                    guard case .number(let d)? = $0 else { return nil }
                    return integral ? .int(Int64(d)) : .double(d)
                }))
            default:   // strings; or objects, arrays and mixed types as their JSON text
                columns.append(Column(name: name, type: .byteArray, values: raw.map { v -> ParquetValue? in
                    switch v {
                    case nil, .null?: return nil
                    case .string(let s)?: return .bytes(ArraySlice(s.utf8))
                    case let other?: return .bytes(ArraySlice(JSONWriter.compact(other).utf8))
                    }
                }))
            }
        }
    }
}
