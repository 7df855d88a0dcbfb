/// A reader of Thrift's compact protocol, the encoding of Parquet's footer and page headers: zigzag varints, field
/// headers with id deltas, lists, maps and nested structs. Unknown fields are skipped, so newer writers' additions
/// are read past. Every read is bounds-checked; running out of bytes is an error naming what was being read.
struct ThriftCompactReader {
    enum FieldType: UInt8 {
        case stop = 0, boolTrue = 1, boolFalse = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6, double = 7, binary = 8, list = 9, set = 10, map = 11, structure = 12
    }

    struct Malformed: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    let bytes: [UInt8]
    private(set) var position: Int
    let end: Int
    /// What is being read (for errors): "footer", "page header at byte N".
    let what: String
    private var depth = 0

    init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil, what: String) {
        self.bytes = bytes
        position = start
        self.end = end ?? bytes.count
        self.what = what
    }

    private func fail(_ m: String) -> Malformed { Malformed(message: "\(what): \(m) at byte \(position)") }

    mutating func byte() throws -> UInt8 {
        guard position < end else { throw fail("truncated") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() throws -> UInt64 {
        var v: UInt64 = 0, shift: UInt64 = 0
        while true {
            let b = try byte()
            v |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return v }
            shift += 7
            guard shift < 64 else { throw fail("varint longer than 10 bytes") }
        }
    }

    mutating func zigzag() throws -> Int64 {
        let v = try varint()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    mutating func i32() throws -> Int32 {
        let v = try zigzag()
        guard let r = Int32(exactly: v) else { throw fail("i32 out of range (\(v))") }
        return r
    }

    mutating func i64() throws -> Int64 { try zigzag() }

    mutating func double() throws -> Double {
        guard end - position >= 8 else { throw fail("truncated double") }
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[position + k]) << (8 * UInt64(k)) }
        position += 8
        return Double(bitPattern: v)
    }

    mutating func binary() throws -> ArraySlice<UInt8> {
        let n = try varint()
        guard n <= UInt64(end - position) else { throw fail("binary of \(n) bytes runs past the end") }
        defer { position += Int(n) }
        return bytes[position..<position + Int(n)]
    }

    mutating func string() throws -> String { String(decoding: try binary(), as: UTF8.self) }

    /// Reads a struct: `body` is called with each field's id and type and must read its value (or call `skip`).
    mutating func structure(_ body: (inout ThriftCompactReader, Int16, FieldType) throws -> Void) throws {
        depth += 1
        defer { depth -= 1 }
        guard depth < 64 else { throw fail("structs nested too deep") }
        var last: Int16 = 0
        while true {
            let header = try byte()
            guard let type = FieldType(rawValue: header & 0x0F) else { throw fail("unknown field type \(header & 0x0F)") }
            if type == .stop { return }
            let delta = Int16(header >> 4)
            let id = delta != 0 ? last &+ delta : Int16(truncatingIfNeeded: try zigzag())
            last = id
            try body(&self, id, type)
        }
    }

    /// A field's boolean value (in a struct the type carries it).
    func bool(_ type: FieldType) -> Bool { type == .boolTrue }

    /// Reads a list header, then calls `body` for each element with its type; the element count.
    @discardableResult
    mutating func list(_ body: (inout ThriftCompactReader, FieldType) throws -> Void) throws -> Int {
        let header = try byte()
        guard let type = FieldType(rawValue: header & 0x0F) else { throw fail("unknown list element type \(header & 0x0F)") }
        var n = Int(header >> 4)
        if n == 15 {
            let big = try varint()
            guard big <= UInt64(end - position) else { throw fail("list of \(big) elements runs past the end") }
            n = Int(big)
        }
        for _ in 0..<n { try body(&self, type) }
        return n
    }

    /// Skips a value of `type` (unknown fields of newer writers).
    mutating func skip(_ type: FieldType) throws {
        switch type {
        case .stop, .boolTrue, .boolFalse: return
        case .byte: _ = try byte()
        case .i16, .i32, .i64: _ = try varint()
        case .double: _ = try double()
        case .binary: _ = try binary()
        case .list, .set:
            try list { r, t in
                // A bool element in a container is one byte.
                if t == .boolTrue || t == .boolFalse { _ = try r.byte() } else { try r.skip(t) }
            }
        case .map:
            let n = try varint()
            guard n > 0 else { return }
            guard n <= UInt64(end - position) else { throw fail("map of \(n) entries runs past the end") }
            let kv = try byte()
            guard let k = FieldType(rawValue: kv >> 4), let v = FieldType(rawValue: kv & 0x0F) else { throw fail("unknown map types") }
            for _ in 0..<n {
                if k == .boolTrue || k == .boolFalse { _ = try byte() } else { try skip(k) }
                if v == .boolTrue || v == .boolFalse { _ = try byte() } else { try skip(v) }
            }
        case .structure: try structure { r, _, t in try r.skip(t) }
        }
    }
}
