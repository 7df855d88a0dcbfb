import CSnappy
import CZlib
import CZstd
import Foundation

/// One value of a flat (non-nested) column.
public enum ParquetValue: Equatable, Sendable {
    case bytes([UInt8])
    case int(Int64)
    case double(Double)
    case bool(Bool)
}

/// Reads one flat column chunk of a row group: its pages (a dictionary page, data pages v1 and v2), decompressed
/// (UNCOMPRESSED, SNAPPY, GZIP, ZSTD) and decoded (PLAIN, PLAIN_DICTIONARY/RLE_DICTIONARY with RLE/bit-packed indices,
/// definition levels for nulls). Errors name the file, row group and column.
/// Issue 21 in progress: the DELTA encodings, LZ4_RAW and page CRCs are not read yet and are refused by name.
struct ParquetColumnReader {
    let path: String
    let meta: ParquetColumnMeta
    /// 1 for an optional column (a null is definition level 0), 0 for a required one.
    let maxDefinitionLevel: Int
    let rowGroup: Int

    private var where_: String { "\(path): row group \(rowGroup), column \(meta.path.joined(separator: "."))" }
    private func fail(_ m: String) -> FileError { FileError(path, "row group \(rowGroup), column \(meta.path.joined(separator: ".")): \(m)") }

    /// Every value of the chunk in row order (nil for a null).
    func read(from file: FileHandle) throws -> [ParquetValue?] {
        let start = meta.dictionaryPageOffset.map { min($0, meta.dataPageOffset) } ?? meta.dataPageOffset
        try file.seek(toOffset: UInt64(start))
        let chunk = [UInt8](file.readData(ofLength: Int(meta.totalCompressedSize)))
        guard chunk.count == Int(meta.totalCompressedSize) else { throw fail("the file ends inside this column chunk (truncated)") }
        var dictionary: [ParquetValue] = []
        var values: [ParquetValue?] = []
        values.reserveCapacity(Int(meta.numValues))
        var pos = 0
        while values.count < Int(meta.numValues) && pos < chunk.count {
            var r = ThriftCompactReader(chunk, from: pos, what: "\(where_): page header at byte \(Int(start) + pos)")
            let h: PageHeader
            do { h = try PageHeader.parse(&r) } catch let e as ThriftCompactReader.Malformed { throw FileError(path, e.message) }
            pos = r.position
            guard h.compressedSize >= 0, pos + h.compressedSize <= chunk.count else { throw fail("a page runs past the end of its column chunk") }
            let body = Array(chunk[pos..<pos + h.compressedSize])
            pos += h.compressedSize
            switch h.type {
            case 2:   // dictionary page
                let plain = try decompress(body, size: h.uncompressedSize)
                var d = plain[...]
                dictionary = try (0..<h.dictionaryValues).map { _ in try plainValue(&d) }
            case 0:   // data page v1: [definition levels with a 4-byte length] values, all compressed
                let page = try decompress(body, size: h.uncompressedSize)
                var rest = page[...]
                var defined = [Bool](repeating: true, count: h.numValues)
                if maxDefinitionLevel > 0 {
                    guard rest.count >= 4 else { throw fail("a data page too short for its definition levels") }
                    let n = Int(UInt32(rest[rest.startIndex]) | UInt32(rest[rest.startIndex + 1]) << 8 | UInt32(rest[rest.startIndex + 2]) << 16 | UInt32(rest[rest.startIndex + 3]) << 24)
                    guard 4 + n <= rest.count else { throw fail("definition levels run past the page") }
                    let levels = try hybrid(Array(rest[(rest.startIndex + 4)..<(rest.startIndex + 4 + n)]), bitWidth: 1, count: h.numValues)
                    defined = levels.map { $0 == maxDefinitionLevel }
                    rest = rest[(rest.startIndex + 4 + n)...]
                }
                try decodeValues(&values, rest, encoding: h.encoding, defined: defined, dictionary: dictionary)
            case 3:   // data page v2: levels uncompressed, then values (compressed if is_compressed)
                guard h.definitionBytes + h.repetitionBytes <= body.count else { throw fail("levels run past the page") }
                var defined = [Bool](repeating: true, count: h.numValues)
                if maxDefinitionLevel > 0 {
                    let levels = try hybrid(Array(body[h.repetitionBytes..<(h.repetitionBytes + h.definitionBytes)]), bitWidth: 1, count: h.numValues)
                    defined = levels.map { $0 == maxDefinitionLevel }
                }
                let valuesPart = Array(body[(h.repetitionBytes + h.definitionBytes)...])
                let plain = h.isCompressed ? try decompress(valuesPart, size: h.uncompressedSize - h.repetitionBytes - h.definitionBytes) : valuesPart
                try decodeValues(&values, plain[...], encoding: h.encoding, defined: defined, dictionary: dictionary)
            default:
                continue   // index pages and others carry no values
            }
        }
        guard values.count == Int(meta.numValues) else { throw fail("\(values.count) values decoded, the footer says \(meta.numValues)") }
        return values
    }

    private func decodeValues(_ out: inout [ParquetValue?], _ bytes: ArraySlice<UInt8>, encoding: Int32, defined: [Bool],
                              dictionary: [ParquetValue]) throws {
        let present = defined.filter { $0 }.count
        var decoded: [ParquetValue] = []
        switch encoding {
        case 0 where meta.type == .boolean:   // PLAIN booleans: one bit each, least significant first
            guard bytes.count * 8 >= present else { throw fail("booleans run past the end of their page") }
            decoded = (0..<present).map { k in .bool(bytes[bytes.startIndex + k / 8] & (1 << (k % 8)) != 0) }
        case 3 where meta.type == .boolean:   // RLE booleans: a 4-byte length, then the hybrid with bit width 1
            guard bytes.count >= 4 else { throw fail("an RLE boolean page without its length") }
            decoded = try hybrid(Array(bytes.dropFirst(4)), bitWidth: 1, count: present).map { .bool($0 != 0) }
        case 0:   // PLAIN
            var d = bytes
            decoded = try (0..<present).map { _ in try plainValue(&d) }
        case 2, 8:   // PLAIN_DICTIONARY, RLE_DICTIONARY: bit width, then RLE/bit-packed indices
            guard let width = bytes.first else { throw fail("an empty dictionary-encoded page") }
            let indices = try hybrid(Array(bytes.dropFirst()), bitWidth: Int(width), count: present)
            decoded = try indices.map { i in
                guard i < dictionary.count else { throw fail("dictionary index \(i) beyond the dictionary's \(dictionary.count) entries") }
                return dictionary[i]
            }
        default:
            throw fail("encoding \(ParquetEncoding(rawValue: encoding)) is not read yet")
        }
        var k = 0
        for d in defined {
            if d { out.append(decoded[k]); k += 1 } else { out.append(nil) }
        }
    }

    /// One PLAIN value of the column's type.
    private func plainValue(_ d: inout ArraySlice<UInt8>) throws -> ParquetValue {
        func take(_ n: Int) throws -> ArraySlice<UInt8> {
            guard d.count >= n else { throw fail("a value runs past the end of its page") }
            defer { d = d.dropFirst(n) }
            return d.prefix(n)
        }
        func le(_ b: ArraySlice<UInt8>) -> UInt64 { b.reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        switch meta.type {
        case .byteArray:
            let n = Int(le(try take(4)))
            return .bytes(Array(try take(n)))
        case .int32: return .int(Int64(Int32(bitPattern: UInt32(le(try take(4))))))
        case .int64: return .int(Int64(bitPattern: le(try take(8))))
        case .double: return .double(Double(bitPattern: le(try take(8))))
        case .float: return .double(Double(Float(bitPattern: UInt32(le(try take(4))))))
        default: throw fail("type \(meta.type) is not read yet")
        }
    }

    /// The RLE / bit-packed hybrid (levels and dictionary indices): `count` values of `bitWidth` bits.
    func hybrid(_ bytes: [UInt8], bitWidth: Int, count: Int) throws -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(count)
        var i = 0
        func varint() throws -> Int {
            var v = 0, shift = 0
            while true {
                guard i < bytes.count, shift < 63 else { throw fail("a truncated run header") }
                let b = bytes[i]; i += 1
                v |= Int(b & 0x7F) << shift
                if b & 0x80 == 0 { return v }
                shift += 7
            }
        }
        let byteWidth = (bitWidth + 7) / 8
        while out.count < count {
            let header = try varint()
            if header & 1 == 0 {   // RLE run
                let n = header >> 1
                guard i + byteWidth <= bytes.count else { throw fail("a truncated RLE run") }
                var v = 0
                for k in 0..<byteWidth { v |= Int(bytes[i + k]) << (8 * k) }
                i += byteWidth
                out += repeatElement(v, count: min(n, count - out.count))
            } else {               // bit-packed groups of 8
                let groups = header >> 1
                let nbytes = groups * bitWidth
                guard i + nbytes <= bytes.count || out.count + groups * 8 >= count else { throw fail("a truncated bit-packed run") }
                var bit = 0
                for _ in 0..<(groups * 8) {
                    var v = 0
                    for b in 0..<bitWidth {
                        let at = i + (bit + b) / 8
                        if at < bytes.count, bytes[at] & (1 << ((bit + b) % 8)) != 0 { v |= 1 << b }
                    }
                    bit += bitWidth
                    if out.count < count { out.append(v) }
                }
                i += nbytes
            }
        }
        return out
    }

    private func decompress(_ body: [UInt8], size: Int) throws -> [UInt8] {
        switch meta.codec.rawValue {
        case 0: return body
        case 2:   // GZIP (zlib's inflate with gzip or zlib headers)
            var out = [UInt8](repeating: 0, count: size)
            var s = z_stream()
            guard inflateInit2_(&s, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw fail("cannot start inflate") }
            defer { inflateEnd(&s) }
            let r: Int32 = body.withUnsafeBufferPointer { i in
                out.withUnsafeMutableBufferPointer { o in
                    s.next_in = UnsafeMutablePointer(mutating: i.baseAddress); s.avail_in = UInt32(i.count)
                    s.next_out = o.baseAddress; s.avail_out = UInt32(o.count)
                    return inflate(&s, Z_FINISH)
                }
            }
            guard r == Z_STREAM_END, Int(s.total_out) == size else { throw fail("a GZIP page does not inflate to its \(size) bytes (corrupt)") }
            return out
        case 1:   // SNAPPY (raw, as Parquet writes it)
            var out = [UInt8](repeating: 0, count: size)
            var n = size
            let status = body.withUnsafeBytes { i in
                out.withUnsafeMutableBytes { o in
                    snappy_uncompress(i.baseAddress?.assumingMemoryBound(to: CChar.self), i.count, o.baseAddress?.assumingMemoryBound(to: CChar.self), &n)
                }
            }
            guard status == SNAPPY_OK, n == size else { throw fail("a SNAPPY page does not decompress to its \(size) bytes (corrupt)") }
            return out
        case 6:   // ZSTD
            var out = [UInt8](repeating: 0, count: size)
            let n = body.withUnsafeBytes { i in out.withUnsafeMutableBytes { o in ZSTD_decompress(o.baseAddress, o.count, i.baseAddress, i.count) } }
            guard ZSTD_isError(n) == 0, n == size else { throw fail("a ZSTD page does not decompress to its \(size) bytes (corrupt)") }
            return out
        default:
            throw fail("compression \(meta.codec) is not read yet")
        }
    }

    /// The fields of a page header this reader uses.
    struct PageHeader {
        var type: Int32 = -1
        var uncompressedSize = 0, compressedSize = 0
        var numValues = 0, encoding: Int32 = 0
        var dictionaryValues = 0
        var definitionBytes = 0, repetitionBytes = 0
        var isCompressed = true

        static func parse(_ r: inout ThriftCompactReader) throws -> PageHeader {
            var h = PageHeader()
            try r.structure { r, id, type in
                switch (id, type) {
                case (1, .i32): h.type = try r.i32()
                case (2, .i32): h.uncompressedSize = Int(try r.i32())
                case (3, .i32): h.compressedSize = Int(try r.i32())
                case (5, .structure):   // DataPageHeader
                    try r.structure { r, id, type in
                        switch (id, type) {
                        case (1, .i32): h.numValues = Int(try r.i32())
                        case (2, .i32): h.encoding = try r.i32()
                        default: try r.skip(type)
                        }
                    }
                case (7, .structure):   // DictionaryPageHeader
                    try r.structure { r, id, type in
                        if id == 1, type == .i32 { h.dictionaryValues = Int(try r.i32()) } else { try r.skip(type) }
                    }
                case (8, .structure):   // DataPageHeaderV2
                    try r.structure { r, id, type in
                        switch (id, type) {
                        case (1, .i32): h.numValues = Int(try r.i32())
                        case (4, .i32): h.encoding = try r.i32()
                        case (5, .i32): h.definitionBytes = Int(try r.i32())
                        case (6, .i32): h.repetitionBytes = Int(try r.i32())
                        case (7, .boolTrue), (7, .boolFalse): h.isCompressed = r.bool(type)
                        default: try r.skip(type)
                        }
                    }
                default: try r.skip(type)
                }
            }
            return h
        }
    }
}
