/// A writer of Thrift's compact protocol for Parquet's page headers and footer: fields are written in increasing id
/// order within each struct (`field` computes the id delta), lists with their element type, strings as binaries.
struct ThriftCompactWriter {
    private(set) var bytes: [UInt8] = []
    private var lastField: [Int16] = [0]

    typealias FieldType = ThriftCompactReader.FieldType

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }

    mutating func zigzag(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }

    private mutating func header(_ id: Int16, _ type: FieldType) {
        let delta = id - lastField[lastField.count - 1]
        if delta > 0 && delta <= 15 { bytes.append(UInt8(delta) << 4 | type.rawValue) } else { bytes.append(type.rawValue); zigzag(Int64(id)) }
        lastField[lastField.count - 1] = id
    }

    mutating func i32(_ id: Int16, _ v: Int32) { header(id, .i32); zigzag(Int64(v)) }
    mutating func i64(_ id: Int16, _ v: Int64) { header(id, .i64); zigzag(v) }
    mutating func bool(_ id: Int16, _ v: Bool) { header(id, v ? .boolTrue : .boolFalse) }
    mutating func binary(_ id: Int16, _ v: [UInt8]) { header(id, .binary); varint(UInt64(v.count)); bytes += v }
    mutating func string(_ id: Int16, _ v: String) { binary(id, Array(v.utf8)) }

    /// A nested struct field: `body` writes its fields.
    mutating func structure(_ id: Int16, _ body: (inout ThriftCompactWriter) -> Void) {
        header(id, .structure)
        structBody(body)
    }

    /// A struct's fields and stop byte (the top-level struct, or a list element).
    mutating func structBody(_ body: (inout ThriftCompactWriter) -> Void) {
        lastField.append(0)
        body(&self)
        bytes.append(0)   // stop
        lastField.removeLast()
    }

    private mutating func listHeader(_ id: Int16, _ count: Int, _ type: FieldType) {
        header(id, .list)
        if count < 15 { bytes.append(UInt8(count) << 4 | type.rawValue) } else { bytes.append(0xF0 | type.rawValue); varint(UInt64(count)) }
    }

    mutating func list(_ id: Int16, i32 values: [Int32]) {
        listHeader(id, values.count, .i32)
        for v in values { zigzag(Int64(v)) }
    }

    mutating func list(_ id: Int16, strings values: [String]) {
        listHeader(id, values.count, .binary)
        for v in values { let b = Array(v.utf8); varint(UInt64(b.count)); bytes += b }
    }

    mutating func list(_ id: Int16, structs count: Int, _ element: (inout ThriftCompactWriter, Int) -> Void) {
        listHeader(id, count, .structure)
        for k in 0..<count { structBody { element(&$0, k) } }
    }
}
