import Foundation

/// Parquet's physical types (parquet.thrift `Type`).
public enum ParquetType: Int32, Sendable, CustomStringConvertible {
    case boolean = 0, int32, int64, int96, float, double, byteArray, fixedLenByteArray
    public var description: String {
        ["BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"][Int(rawValue)]
    }
}

/// Page and column encodings (parquet.thrift `Encoding`); unknown values are kept as numbers.
public struct ParquetEncoding: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    static let names: [Int32: String] = [0: "PLAIN", 1: "GROUP_VAR_INT", 2: "PLAIN_DICTIONARY", 3: "RLE", 4: "BIT_PACKED",
                                         5: "DELTA_BINARY_PACKED", 6: "DELTA_LENGTH_BYTE_ARRAY", 7: "DELTA_BYTE_ARRAY",
                                         8: "RLE_DICTIONARY", 9: "BYTE_STREAM_SPLIT"]
    public var description: String { Self.names[rawValue] ?? "encoding \(rawValue)" }
}

/// Compression codecs (parquet.thrift `CompressionCodec`).
public struct ParquetCodec: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    static let names: [Int32: String] = [0: "UNCOMPRESSED", 1: "SNAPPY", 2: "GZIP", 3: "LZO", 4: "BROTLI", 5: "LZ4", 6: "ZSTD", 7: "LZ4_RAW"]
    public var description: String { Self.names[rawValue] ?? "codec \(rawValue)" }
}

/// One node of the schema tree, flattened depth-first as the footer stores it.
public struct ParquetSchemaElement: Sendable {
    public enum Repetition: Int32, Sendable { case required = 0, optional, repeated }
    public var name = ""
    public var type: ParquetType?
    public var typeLength: Int32?
    public var repetition: Repetition?
    /// Children of a group (nil for a leaf column).
    public var numChildren: Int32?
    /// The legacy annotation (0 UTF8, 5 MAP, 3 LIST, 9 TIMESTAMP_MILLIS, …), if any.
    public var convertedType: Int32?
    /// The logical type annotation's kind (parquet.thrift `LogicalType` union field: 1 STRING, 3 LIST, 6 DATE,
    /// 8 TIMESTAMP, 12 JSON, …), if any.
    public var logicalType: Int16?
    /// A TIMESTAMP logical type's unit: 1 millis, 2 micros, 3 nanos.
    public var timeUnit: Int16?
}

/// How a leaf column's values become metadata values.
public enum ParquetValueKind: Sendable, Equatable {
    case string, binary, integer, float, boolean
    /// Integers counting this many units per second since 1970-01-01 UTC.
    case timestamp(perSecond: Int64)
    /// INT96 timestamps (nanoseconds of the day, Julian day), as older Spark and Hive wrote them.
    case int96Timestamp
    /// Days since 1970-01-01.
    case date
    /// Types Winnow does not turn into metadata (decimals, fixed-length binaries, intervals).
    case unsupported(String)
}

/// A leaf column of the schema: its path, levels and how its values are read.
public struct ParquetLeaf: Sendable {
    public let path: [String]
    public let type: ParquetType
    public let maxDefinitionLevel: Int
    public let maxRepetitionLevel: Int
    public let kind: ParquetValueKind
    /// The column's name: its path joined with dots.
    public var name: String { path.joined(separator: ".") }
    /// A top-level, non-repeated column: one value (or null) per row.
    public var isFlat: Bool { path.count == 1 && maxRepetitionLevel == 0 }
}

/// A column's metadata within a row group.
public struct ParquetColumnMeta: Sendable {
    public var type: ParquetType = .byteArray
    public var encodings: [ParquetEncoding] = []
    public var path: [String] = []
    public var codec = ParquetCodec(rawValue: 0)
    public var numValues: Int64 = 0
    public var totalUncompressedSize: Int64 = 0
    public var totalCompressedSize: Int64 = 0
    public var dataPageOffset: Int64 = 0
    public var indexPageOffset: Int64?
    public var dictionaryPageOffset: Int64?
}

public struct ParquetRowGroup: Sendable {
    public var columns: [ParquetColumnMeta] = []
    public var totalByteSize: Int64 = 0
    public var numRows: Int64 = 0
}

/// A Parquet file's footer (`FileMetaData`).
public struct ParquetMetadata: Sendable {
    public var version: Int32 = 0
    public var schema: [ParquetSchemaElement] = []
    public var numRows: Int64 = 0
    public var rowGroups: [ParquetRowGroup] = []
    public var createdBy: String?
    public var keyValue: [(key: String, value: String?)] = []

    /// Reads the footer of the Parquet file at `path`: `PAR1` at both ends, the footer's length before the last
    /// magic, the footer itself in Thrift's compact protocol. Errors name the file and what is wrong with it.
    public static func read(path: String) throws -> ParquetMetadata {
        guard let h = FileHandle(forReadingAtPath: path) else { throw FileError(path, "cannot open") }
        defer { try? h.close() }
        let size = Int64(try h.seekToEnd())
        guard size >= 12 else { throw FileError(path, "not a Parquet file: \(size) bytes, too short for its magic and footer") }
        try h.seek(toOffset: 0)
        let head = [UInt8](h.readData(ofLength: 4))
        try h.seek(toOffset: UInt64(size - 8))
        let tail = [UInt8](h.readData(ofLength: 8))
        let magic: [UInt8] = Array("PAR1".utf8)
        guard head == magic else { throw FileError(path, "not a Parquet file (it does not start with PAR1)") }
        guard Array(tail[4..<8]) == magic else {
            throw FileError(path, "not a whole Parquet file: it does not end with PAR1 (truncated, or still being written)")
        }
        let footerLength = Int64(UInt32(tail[0]) | UInt32(tail[1]) << 8 | UInt32(tail[2]) << 16 | UInt32(tail[3]) << 24)
        guard footerLength > 0, footerLength <= size - 12 else {
            throw FileError(path, "Parquet footer of \(footerLength) bytes does not fit in the file's \(size) bytes (truncated?)")
        }
        try h.seek(toOffset: UInt64(size - 8 - footerLength))
        let footer = [UInt8](h.readData(ofLength: Int(footerLength)))
        do {
            var r = ThriftCompactReader(footer, what: "Parquet footer")
            let m = try parse(&r)
            guard !m.schema.isEmpty else { throw FileError(path, "Parquet footer has no schema") }
            return m
        } catch let e as ThriftCompactReader.Malformed {
            throw FileError(path, "\(e.message) (the footer is corrupt or truncated)")
        }
    }

    /// The schema's leaf columns in column-chunk order, with their definition and repetition levels.
    public func leaves() throws -> [ParquetLeaf] {
        var out: [ParquetLeaf] = []
        var i = 1   // schema[0] is the root
        func walk(_ parents: [String], def: Int, rep: Int) throws {
            guard i < schema.count else { throw ParquetError("the schema ends inside a group") }
            let e = schema[i]
            i += 1
            let d = def + (e.repetition == .required ? 0 : 1), r = rep + (e.repetition == .repeated ? 1 : 0)
            let path = parents + [e.name]
            if let n = e.numChildren, n > 0 {
                for _ in 0..<n { try walk(path, def: d, rep: r) }
                return
            }
            guard let type = e.type else { throw ParquetError("schema leaf \(path.joined(separator: ".")) has no physical type") }
            out.append(ParquetLeaf(path: path, type: type, maxDefinitionLevel: d, maxRepetitionLevel: r, kind: Self.kind(of: e, type: type)))
        }
        // A negative child count (a corrupt footer, found by fuzzing) is no children.
        let top = max(0, schema.first?.numChildren ?? 0)
        for _ in 0..<top { try walk([], def: 0, rep: 0) }
        return out
    }

    static func kind(of e: ParquetSchemaElement, type: ParquetType) -> ParquetValueKind {
        let c = e.convertedType
        switch type {
        case .boolean: return .boolean
        case .float, .double: return .float
        case .int96: return .int96Timestamp
        case .byteArray:
            if e.logicalType == 1 || e.logicalType == 4 || e.logicalType == 12 || c == 0 || c == 4 || c == 19 { return .string }
            if e.logicalType == 5 || c == 5 { return .unsupported("DECIMAL") }
            return .binary
        case .fixedLenByteArray: return .unsupported(e.logicalType == 14 ? "UUID" : "FIXED_LEN_BYTE_ARRAY")
        case .int32, .int64:
            if e.logicalType == 5 || c == 5 { return .unsupported("DECIMAL") }
            if e.logicalType == 6 || c == 6 { return .date }
            if e.logicalType == 8 {
                switch e.timeUnit { case 1: return .timestamp(perSecond: 1000); case 3: return .timestamp(perSecond: 1_000_000_000); default: return .timestamp(perSecond: 1_000_000) }
            }
            if c == 9 { return .timestamp(perSecond: 1000) }
            if c == 10 { return .timestamp(perSecond: 1_000_000) }
            return .integer
        }
    }

    static func parse(_ r: inout ThriftCompactReader) throws -> ParquetMetadata {
        var m = ParquetMetadata()
        try r.structure { r, id, type in
            switch (id, type) {
            case (1, .i32): m.version = try r.i32()
            case (2, .list): try r.list { r, _ in m.schema.append(try schemaElement(&r)) }
            case (3, .i64): m.numRows = try r.i64()
            case (4, .list): try r.list { r, _ in m.rowGroups.append(try rowGroup(&r)) }
            case (5, .list):
                try r.list { r, _ in
                    var k = "", v: String? = nil
                    try r.structure { r, id, type in
                        switch (id, type) {
                        case (1, .binary): k = try r.string()
                        case (2, .binary): v = try r.string()
                        default: try r.skip(type)
                        }
                    }
                    m.keyValue.append((k, v))
                }
            case (6, .binary): m.createdBy = try r.string()
            default: try r.skip(type)
            }
        }
        return m
    }

    private static func schemaElement(_ r: inout ThriftCompactReader) throws -> ParquetSchemaElement {
        var e = ParquetSchemaElement()
        try r.structure { r, id, type in
            switch (id, type) {
            case (1, .i32): e.type = ParquetType(rawValue: try r.i32())
            case (2, .i32): e.typeLength = try r.i32()
            case (3, .i32): e.repetition = ParquetSchemaElement.Repetition(rawValue: try r.i32())
            case (4, .binary): e.name = try r.string()
            case (5, .i32): e.numChildren = try r.i32()
            case (6, .i32): e.convertedType = try r.i32()
            case (10, .structure):
                try r.structure { r, kind, type in
                    e.logicalType = kind
                    guard kind == 8, type == .structure else { try r.skip(type); return }
                    try r.structure { r, id, type in
                        guard id == 2, type == .structure else { try r.skip(type); return }   // TimestampType.unit
                        try r.structure { r, unit, type in e.timeUnit = unit; try r.skip(type) }
                    }
                }
            default: try r.skip(type)
            }
        }
        return e
    }

    private static func rowGroup(_ r: inout ThriftCompactReader) throws -> ParquetRowGroup {
        var g = ParquetRowGroup()
        try r.structure { r, id, type in
            switch (id, type) {
            case (1, .list):
                try r.list { r, _ in
                    var meta: ParquetColumnMeta? = nil
                    try r.structure { r, id, type in
                        if id == 3, type == .structure { meta = try columnMeta(&r) } else { try r.skip(type) }
                    }
                    guard let meta else { throw ThriftCompactReader.Malformed(message: "Parquet footer: a column chunk without metadata (column data in another file is not supported)") }
                    g.columns.append(meta)
                }
            case (2, .i64): g.totalByteSize = try r.i64()
            case (3, .i64): g.numRows = try r.i64()
            default: try r.skip(type)
            }
        }
        return g
    }

    private static func columnMeta(_ r: inout ThriftCompactReader) throws -> ParquetColumnMeta {
        var c = ParquetColumnMeta()
        try r.structure { r, id, type in
            switch (id, type) {
            case (1, .i32):
                let t = try r.i32()
                guard let pt = ParquetType(rawValue: t) else { throw ThriftCompactReader.Malformed(message: "Parquet footer: unknown physical type \(t)") }
                c.type = pt
            case (2, .list): try r.list { r, _ in c.encodings.append(ParquetEncoding(rawValue: try r.i32())) }
            case (3, .list): try r.list { r, _ in c.path.append(try r.string()) }
            case (4, .i32): c.codec = ParquetCodec(rawValue: try r.i32())
            case (5, .i64): c.numValues = try r.i64()
            case (6, .i64): c.totalUncompressedSize = try r.i64()
            case (7, .i64): c.totalCompressedSize = try r.i64()
            case (9, .i64): c.dataPageOffset = try r.i64()
            case (10, .i64): c.indexPageOffset = try r.i64()
            case (11, .i64): c.dictionaryPageOffset = try r.i64()
            default: try r.skip(type)
            }
        }
        return c
    }
}

/// A problem with a Parquet file's structure, before the file's name is attached.
struct ParquetError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
