import CSnappy
import CZlib
import CZstd
import Foundation

/// One value of a flat (non-nested) column. Byte arrays are slices of their decoded page (no copy per value).
public enum ParquetValue: Hashable, Sendable {
    case bytes(ArraySlice<UInt8>)
    /// Integers; INT96 timestamps arrive as nanoseconds since 1970-01-01 UTC.
    case int(Int64)
    case double(Double)
    case bool(Bool)
}

/// Reads one column chunk of a row group: its pages (a dictionary page, data pages v1 and v2), each page's CRC
/// checked when the writer stored one, decompressed (UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW) and decoded (PLAIN,
/// PLAIN_DICTIONARY/RLE_DICTIONARY, RLE/bit-packed levels and indices, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
/// DELTA_BYTE_ARRAY; definition levels for nulls, repetition levels for the leaves of lists). Memory is one column
/// chunk and its decoded values. Errors name the file, row group and column.
struct ParquetColumnReader {
    /// Level entries (values and nulls) one column chunk may have: 2^27, about 134 million, far above the row groups
    /// writers make (pyarrow: 1 M rows) and below what one process should hold at once.
    static let maxValuesPerChunk: Int64 = 1 << 27
    let path: String
    let meta: ParquetColumnMeta
    /// The column's maximum definition level: a value is present when its level reaches it (0: required).
    let maxDefinitionLevel: Int
    let rowGroup: Int
    /// The column's maximum repetition level: 0 for a flat column, 1 for the leaf of a list of scalars.
    var maxRepetitionLevel = 0

    private var where_: String { "\(path): row group \(rowGroup), column \(meta.path.joined(separator: "."))" }
    func fail(_ m: String) -> FileError { FileError(path, "row group \(rowGroup), column \(meta.path.joined(separator: ".")): \(m)") }

    /// Every value of the chunk in row order (nil for a null).
    func read(from file: FileHandle) throws -> [ParquetValue?] { try readLevels(from: file).values }

    /// Every level entry of the chunk in order: its value (nil where the definition level falls short: a null, or an
    /// empty or null list) and its repetition level (0 where a new row starts; empty for a flat column).
    func readLevels(from file: FileHandle) throws -> (values: [ParquetValue?], repetition: [Int]) {
        let start = meta.dictionaryPageOffset.map { $0 > 0 ? min($0, meta.dataPageOffset) : meta.dataPageOffset } ?? meta.dataPageOffset
        guard start >= 4, meta.totalCompressedSize >= 0 else { throw fail("the footer gives the column chunk an impossible offset (\(start))") }
        try file.seek(toOffset: UInt64(start))
        let chunk = [UInt8](try file.read(upToCount: Int(meta.totalCompressedSize)) ?? Data())
        guard chunk.count == Int(meta.totalCompressedSize) else { throw fail("the file ends inside this column chunk (truncated)") }
        // Sizes come from the file: nothing is reserved beyond what its bytes could hold (a footer or page header
        // claiming billions of values sized arrays for them: found by fuzzing), and a chunk's pages hold no more
        // values than its footer gives it.
        guard meta.numValues >= 0, meta.numValues <= Self.maxValuesPerChunk else {
            throw fail("the footer gives this column chunk \(meta.numValues) values; Winnow reads at most \(Self.maxValuesPerChunk) per chunk (write smaller row groups)")
        }
        var dictionary: [ParquetValue] = []
        var values: [ParquetValue?] = []
        values.reserveCapacity(min(Int(meta.numValues), chunk.count * 8 + 64))
        var repetition: [Int] = []
        var pos = 0
        while values.count < Int(meta.numValues) && pos < chunk.count {
            var r = ThriftCompactReader(chunk, from: pos, what: "\(where_): page header at byte \(Int(start) + pos)")
            let h: PageHeader
            do { h = try PageHeader.parse(&r) } catch let e as ThriftCompactReader.Malformed { throw FileError(path, e.message) }
            pos = r.position
            guard h.compressedSize >= 0, h.uncompressedSize >= 0, pos + h.compressedSize <= chunk.count else {
                throw fail("a page runs past the end of its column chunk")
            }
            let body = chunk[pos..<pos + h.compressedSize]
            pos += h.compressedSize
            if let crc = h.crc {
                let got = body.withUnsafeBytes { UInt32(truncatingIfNeeded: crc32(0, $0.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt($0.count))) }
                guard got == UInt32(bitPattern: crc) else { throw fail("page at byte \(Int(start) + pos - h.compressedSize) fails its CRC check (corrupt)") }
            }
            switch h.type {
            case 2:   // dictionary page
                let plain = try decompress(body, size: h.uncompressedSize)
                dictionary = try plainValues(plain[...], count: h.dictionaryValues)
            case 0, 3:
                guard h.numValues <= Int(meta.numValues) - values.count else {
                    throw fail("a data page holds \(h.numValues) values, more than the \(Int(meta.numValues) - values.count) its column chunk has left")
                }
            default: break
            }
            switch h.type {
            case 2: break
            case 0:   // data page v1: [repetition levels][definition levels], each with a 4-byte length, then values; all compressed
                let page = try decompress(body, size: h.uncompressedSize)
                var rest = page[...]
                var defined: [Bool]? = nil
                if maxRepetitionLevel > 0 {
                    guard rest.count >= 4 else { throw fail("a data page too short for its repetition levels") }
                    let n = Int(littleEndian(rest.prefix(4)))
                    guard 4 + n <= rest.count else { throw fail("repetition levels run past the page") }
                    repetition += try hybrid(rest.dropFirst(4).prefix(n), bitWidth: bitWidth(maxRepetitionLevel), count: h.numValues)
                    rest = rest.dropFirst(4 + n)
                }
                if maxDefinitionLevel > 0 {
                    guard rest.count >= 4 else { throw fail("a data page too short for its definition levels") }
                    let n = Int(littleEndian(rest.prefix(4)))
                    guard 4 + n <= rest.count else { throw fail("definition levels run past the page") }
                    let levels = try hybrid(rest.dropFirst(4).prefix(n), bitWidth: bitWidth(maxDefinitionLevel), count: h.numValues)
                    defined = levels.map { $0 == maxDefinitionLevel }
                    rest = rest.dropFirst(4 + n)
                }
                try decodeValues(&values, rest, count: h.numValues, encoding: h.encoding, defined: defined, dictionary: dictionary)
            case 3:   // data page v2: levels uncompressed, then values (compressed if is_compressed)
                guard h.definitionBytes >= 0, h.repetitionBytes >= 0, h.definitionBytes + h.repetitionBytes <= body.count else {
                    throw fail("levels run past the page")
                }
                var defined: [Bool]? = nil
                if maxRepetitionLevel > 0 {
                    repetition += try hybrid(body.prefix(h.repetitionBytes), bitWidth: bitWidth(maxRepetitionLevel), count: h.numValues)
                }
                let levelsStart = body.startIndex + h.repetitionBytes
                if maxDefinitionLevel > 0 {
                    let levels = try hybrid(body[levelsStart..<levelsStart + h.definitionBytes], bitWidth: bitWidth(maxDefinitionLevel), count: h.numValues)
                    defined = levels.map { $0 == maxDefinitionLevel }
                }
                let valuesPart = body[(levelsStart + h.definitionBytes)...]
                let plain = h.isCompressed ? try decompress(valuesPart, size: h.uncompressedSize - h.repetitionBytes - h.definitionBytes)[...] : valuesPart
                try decodeValues(&values, plain, count: h.numValues, encoding: h.encoding, defined: defined, dictionary: dictionary)
            default:
                continue   // index pages and others carry no values
            }
        }
        guard values.count == Int(meta.numValues) else { throw fail("\(values.count) values decoded, the footer says \(meta.numValues)") }
        guard maxRepetitionLevel == 0 || repetition.count == values.count else {
            throw fail("\(repetition.count) repetition levels for \(values.count) values (corrupt)")
        }
        return (values, repetition)
    }

    private func bitWidth(_ maxLevel: Int) -> Int { maxLevel == 0 ? 0 : Int.bitWidth - maxLevel.leadingZeroBitCount }

    private func littleEndian(_ b: ArraySlice<UInt8>) -> UInt64 { b.reversed().reduce(0) { $0 << 8 | UInt64($1) } }

    private func decodeValues(_ out: inout [ParquetValue?], _ bytes: ArraySlice<UInt8>, count: Int, encoding: Int32, defined: [Bool]?,
                              dictionary: [ParquetValue]) throws {
        let present = defined.map { $0.reduce(0) { $0 + ($1 ? 1 : 0) } } ?? count
        var decoded: [ParquetValue]
        switch encoding {
        case 0 where meta.type == .boolean:   // PLAIN booleans: one bit each, least significant first
            guard bytes.count * 8 >= present else { throw fail("booleans run past the end of their page") }
            decoded = (0..<present).map { k in .bool(bytes[bytes.startIndex + k / 8] & (1 << (k % 8)) != 0) }
        case 3 where meta.type == .boolean:   // RLE booleans: a 4-byte length, then the hybrid with bit width 1
            guard bytes.count >= 4 else { throw fail("an RLE boolean page without its length") }
            decoded = try hybrid(bytes.dropFirst(4), bitWidth: 1, count: present).map { .bool($0 != 0) }
        case 0:   // PLAIN
            decoded = try plainValues(bytes, count: present)
        case 2, 8:   // PLAIN_DICTIONARY, RLE_DICTIONARY: bit width, then RLE/bit-packed indices
            guard let width = bytes.first else {
                guard present == 0 else { throw fail("an empty dictionary-encoded page") }
                decoded = []
                break
            }
            guard width <= 32 else { throw fail("dictionary index bit width \(width) is over 32 (corrupt)") }
            let indices = try hybrid(bytes.dropFirst(), bitWidth: Int(width), count: present)
            decoded = []
            decoded.reserveCapacity(min(present, bytes.count * 8 + 64))
            for i in indices {
                guard i < dictionary.count else { throw fail("dictionary index \(i) beyond the dictionary's \(dictionary.count) entries") }
                decoded.append(dictionary[i])
            }
        case 5 where meta.type == .int32 || meta.type == .int64:   // DELTA_BINARY_PACKED
            var d = DeltaReader(bytes: bytes, column: self)
            decoded = try d.integers(present).map { .int(meta.type == .int32 ? Int64(Int32(truncatingIfNeeded: $0)) : $0) }
        case 6 where meta.type == .byteArray:   // DELTA_LENGTH_BYTE_ARRAY: all lengths (delta-packed), then all bytes
            var d = DeltaReader(bytes: bytes, column: self)
            let lengths = try d.integers(present)
            var at = d.position
            decoded = []
            decoded.reserveCapacity(min(present, bytes.count * 8 + 64))
            for n in lengths {
                guard n >= 0, at + Int(n) <= bytes.endIndex else { throw fail("a DELTA_LENGTH_BYTE_ARRAY value runs past the end of its page") }
                decoded.append(.bytes(bytes[at..<at + Int(n)]))
                at += Int(n)
            }
        case 7 where meta.type == .byteArray:   // DELTA_BYTE_ARRAY: prefix lengths, suffix lengths, suffixes
            var d = DeltaReader(bytes: bytes, column: self)
            let prefixes = try d.integers(present)
            let suffixes = try d.integers(present)
            var at = d.position
            var previous: [UInt8] = []
            decoded = []
            decoded.reserveCapacity(min(present, bytes.count * 8 + 64))
            for (p, s) in zip(prefixes, suffixes) {
                guard p >= 0, Int(p) <= previous.count else { throw fail("a DELTA_BYTE_ARRAY prefix of \(p) bytes is longer than the value before it") }
                guard s >= 0, at + Int(s) <= bytes.endIndex else { throw fail("a DELTA_BYTE_ARRAY suffix runs past the end of its page") }
                var v = Array(previous[0..<Int(p)])
                v += bytes[at..<at + Int(s)]
                at += Int(s)
                decoded.append(.bytes(v[...]))
                previous = v
            }
        default:
            throw fail("encoding \(ParquetEncoding(rawValue: encoding)) is not supported for \(meta.type) values")
        }
        guard decoded.count == present else { throw fail("\(decoded.count) values decoded where the page has \(present)") }
        guard let defined else { out += decoded.lazy.map { Optional($0) }; return }
        var k = 0
        for d in defined {
            if d { out.append(decoded[k]); k += 1 } else { out.append(nil) }
        }
    }

    /// `count` PLAIN values of the column's type.
    private func plainValues(_ bytes: ArraySlice<UInt8>, count: Int) throws -> [ParquetValue] {
        var out: [ParquetValue] = []
        out.reserveCapacity(min(count, bytes.count * 8 + 64))
        var i = bytes.startIndex
        let end = bytes.endIndex
        func fixed(_ n: Int) throws -> UInt64 {
            guard end - i >= n else { throw fail("a value runs past the end of its page") }
            var v: UInt64 = 0
            for k in stride(from: n - 1, through: 0, by: -1) { v = v << 8 | UInt64(bytes[i + k]) }
            i += n
            return v
        }
        switch meta.type {
        case .byteArray:
            for _ in 0..<count {
                let n = Int(try fixed(4))
                guard end - i >= n else { throw fail("a value of \(n) bytes runs past the end of its page") }
                out.append(.bytes(bytes[i..<i + n]))
                i += n
            }
        case .int32: for _ in 0..<count { out.append(.int(Int64(Int32(bitPattern: UInt32(try fixed(4)))))) }
        case .int64: for _ in 0..<count { out.append(.int(Int64(bitPattern: try fixed(8)))) }
        case .double: for _ in 0..<count { out.append(.double(Double(bitPattern: try fixed(8)))) }
        case .float: for _ in 0..<count { out.append(.double(Double(Float(bitPattern: UInt32(try fixed(4)))))) }
        case .boolean: for _ in 0..<count { out.append(.bool(try fixed(1) != 0)) }   // dictionary pages only
        case .int96:
            // Nanoseconds of the day (8 bytes), then the Julian day (4 bytes); day 2440588 is 1970-01-01.
            for _ in 0..<count {
                let nanos = Int64(bitPattern: try fixed(8)), day = Int64(try fixed(4))
                out.append(.int((day - 2_440_588) &* 86_400_000_000_000 &+ nanos))
            }
        case .fixedLenByteArray:
            throw fail("FIXED_LEN_BYTE_ARRAY values are not read (Winnow keeps strings, integers, floats, booleans and timestamps)")
        }
        return out
    }

    /// The RLE / bit-packed hybrid (levels and dictionary indices): `count` values of `bitWidth` bits.
    func hybrid(_ bytes: ArraySlice<UInt8>, bitWidth: Int, count: Int) throws -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(min(count, bytes.count * 8 + 64))
        var i = bytes.startIndex
        let end = bytes.endIndex
        func varint() throws -> Int {
            var v = 0, shift = 0
            while true {
                guard i < end, shift < 63 else { throw fail("a truncated run header") }
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
                guard n > 0 else { throw fail("an empty RLE run (corrupt levels or indices)") }
                guard i + byteWidth <= end else { throw fail("a truncated RLE run") }
                var v = 0
                for k in 0..<byteWidth { v |= Int(bytes[i + k]) << (8 * k) }
                i += byteWidth
                out += repeatElement(v, count: min(n, count - out.count))
            } else {               // bit-packed groups of 8
                let groups = header >> 1
                guard groups > 0 else { throw fail("an empty bit-packed run (corrupt levels or indices)") }
                let nbytes = groups * bitWidth
                guard i + nbytes <= end || out.count + groups * 8 >= count else { throw fail("a truncated bit-packed run") }
                let values = min(groups * 8, count - out.count)
                if bitWidth == 0 {
                    out += repeatElement(0, count: values)
                } else {
                    var acc: UInt64 = 0, bits = 0, at = i
                    let mask: UInt64 = (1 << UInt64(bitWidth)) - 1
                    for _ in 0..<values {
                        while bits < bitWidth {
                            acc |= UInt64(at < end ? bytes[at] : 0) << UInt64(bits)
                            at += 1; bits += 8
                        }
                        out.append(Int(acc & mask))
                        acc >>= UInt64(bitWidth); bits -= bitWidth
                    }
                }
                i += nbytes
            }
        }
        return out
    }

    private func decompress(_ body: ArraySlice<UInt8>, size: Int) throws -> [UInt8] {
        guard size >= 0 else { throw fail("a page with a negative size (corrupt)") }
        // Writers make pages of about 1 MB; a header claiming more than this sized a buffer for it (fuzzing).
        guard size <= 256 << 20 else { throw fail("a page of \(size) bytes uncompressed; Winnow reads pages up to 256 MB") }
        switch meta.codec.rawValue {
        case 0:
            guard body.count == size else { throw fail("an uncompressed page of \(body.count) bytes where the header says \(size)") }
            return Array(body)
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
        case 7:   // LZ4_RAW: one LZ4 block, no frame
            guard let out = LZ4Block.decompress(body, size: size) else { throw fail("an LZ4_RAW page does not decompress to its \(size) bytes (corrupt)") }
            return out
        default:
            throw fail("compression \(meta.codec) is not supported (Winnow reads UNCOMPRESSED, SNAPPY, GZIP, ZSTD and LZ4_RAW)")
        }
    }

    /// The fields of a page header this reader uses.
    struct PageHeader {
        var type: Int32 = -1
        var uncompressedSize = 0, compressedSize = 0
        var crc: Int32?
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
                case (4, .i32): h.crc = try r.i32()
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
            guard h.numValues >= 0, h.dictionaryValues >= 0 else { throw ThriftCompactReader.Malformed(message: "a page header with a negative value count") }
            return h
        }
    }
}

/// DELTA_BINARY_PACKED integers: a header (block size, miniblocks per block, value count, first value), then blocks
/// of a minimum delta and bit-packed miniblocks. `position` is where the packed integers end (DELTA_LENGTH_BYTE_ARRAY's
/// bytes follow them).
struct DeltaReader {
    let bytes: ArraySlice<UInt8>
    let column: ParquetColumnReader
    private(set) var position: Int

    init(bytes: ArraySlice<UInt8>, column: ParquetColumnReader) {
        self.bytes = bytes
        self.column = column
        position = bytes.startIndex
    }

    private mutating func uleb() throws -> UInt64 {
        var v: UInt64 = 0, shift: UInt64 = 0
        while true {
            guard position < bytes.endIndex, shift < 64 else { throw column.fail("a truncated DELTA_BINARY_PACKED header") }
            let b = bytes[position]; position += 1
            v |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return v }
            shift += 7
        }
    }

    private mutating func zigzag() throws -> Int64 {
        let v = try uleb()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    /// The next `expected` integers (the header's count must match).
    mutating func integers(_ expected: Int) throws -> [Int64] {
        let blockSize = Int(try uleb()), miniblocks = Int(try uleb()), total = Int(try uleb())
        var last = try zigzag()
        guard blockSize > 0, blockSize % 128 == 0, miniblocks > 0, blockSize % miniblocks == 0, (blockSize / miniblocks) % 32 == 0 else {
            throw column.fail("a DELTA_BINARY_PACKED header with block size \(blockSize) and \(miniblocks) miniblocks (corrupt)")
        }
        guard total == expected else { throw column.fail("DELTA_BINARY_PACKED holds \(total) values where the page has \(expected)") }
        var out: [Int64] = []
        out.reserveCapacity(total)
        if total > 0 { out.append(last) }
        let perMiniblock = blockSize / miniblocks
        while out.count < total {
            let minDelta = try zigzag()
            guard position + miniblocks <= bytes.endIndex else { throw column.fail("a truncated DELTA_BINARY_PACKED block") }
            let widths = Array(bytes[position..<position + miniblocks])
            position += miniblocks
            for w in widths where out.count < total {
                let width = Int(w)
                guard width <= 64 else { throw column.fail("a DELTA_BINARY_PACKED miniblock of bit width \(width) (corrupt)") }
                let size = perMiniblock * width / 8
                guard position + size <= bytes.endIndex else { throw column.fail("a truncated DELTA_BINARY_PACKED miniblock") }
                var acc: UInt64 = 0, bits = 0, at = position
                for _ in 0..<min(perMiniblock, total - out.count) {
                    var v: UInt64 = 0
                    if width > 0 {
                        // Up to 64 bits: gather them byte by byte, least significant first.
                        var got = 0
                        while got < width {
                            if bits == 0 { acc = UInt64(bytes[at]); at += 1; bits = 8 }
                            let take = min(bits, width - got)
                            v |= (acc & ((1 << UInt64(take)) - 1)) << UInt64(got)
                            acc >>= UInt64(take); bits -= take; got += take
                        }
                    }
                    last = last &+ minDelta &+ Int64(bitPattern: v)
                    out.append(last)
                }
                position += size
            }
        }
        return out
    }
}

/// LZ4's block format (Parquet's LZ4_RAW): sequences of literals and back-references.
enum LZ4Block {
    static func decompress(_ src: ArraySlice<UInt8>, size: Int) -> [UInt8]? {
        var out = [UInt8]()
        out.reserveCapacity(size)
        var i = src.startIndex
        let end = src.endIndex
        func length(_ base: Int) -> Int? {
            var n = base
            guard base == 15 else { return n }
            while true {
                guard i < end else { return nil }
                let b = src[i]; i += 1
                n += Int(b)
                if b != 255 { return n }
            }
        }
        while i < end {
            let token = src[i]; i += 1
            guard let literals = length(Int(token >> 4)), i + literals <= end, out.count + literals <= size else { return nil }
            out += src[i..<i + literals]
            i += literals
            if i == end { break }   // the last sequence has literals only
            guard i + 2 <= end else { return nil }
            let offset = Int(src[i]) | Int(src[i + 1]) << 8
            i += 2
            guard offset > 0, offset <= out.count, let m = length(Int(token & 0x0F)) else { return nil }
            let match = m + 4
            guard out.count + match <= size else { return nil }
            let from = out.count - offset
            for k in 0..<match { out.append(out[from + k]) }
        }
        return out.count == size ? out : nil
    }
}
