/// Length-prefixed binary records for the executor's work files (staged documents, barrier keys,
/// decisions). Little-endian; each record is `u32 length` then the payload.
struct RecordEncoder {
    var bytes: [UInt8] = []

    mutating func u32(_ v: Int) { var x = UInt32(truncatingIfNeeded: v).littleEndian; withUnsafeBytes(of: &x) { bytes += $0 } }
    mutating func u64(_ v: Int) { var x = UInt64(truncatingIfNeeded: v).littleEndian; withUnsafeBytes(of: &x) { bytes += $0 } }
    mutating func f64(_ v: Double) { u64(Int(truncatingIfNeeded: v.bitPattern)) }
    mutating func blob(_ b: [UInt8]) { u32(b.count); bytes += b }
    mutating func string(_ s: String) { var s = s; s.withUTF8 { u32($0.count); bytes += $0 } }
    mutating func optionalString(_ s: String?) { if let s { bytes.append(1); string(s) } else { bytes.append(0) } }

    mutating func annotations(_ a: Annotations) {
        u32(a.items.count)
        for (k, v) in a.items {
            string(k)
            switch v {
            case .int(let i): bytes.append(0); u64(i)
            case .number(let d): bytes.append(1); f64(d)
            case .string(let s): bytes.append(2); string(s)
            case .bool(let b): bytes.append(3); bytes.append(b ? 1 : 0)
            }
        }
    }
}

struct RecordDecoder {
    let p: UnsafeRawBufferPointer
    var i = 0
    init(_ p: UnsafeRawBufferPointer) { self.p = p }

    mutating func u32() -> Int { let v = p.loadUnaligned(fromByteOffset: i, as: UInt32.self); i += 4; return Int(UInt32(littleEndian: v)) }
    mutating func u64() -> Int { let v = p.loadUnaligned(fromByteOffset: i, as: UInt64.self); i += 8; return Int(truncatingIfNeeded: UInt64(littleEndian: v)) }
    mutating func f64() -> Double { Double(bitPattern: UInt64(truncatingIfNeeded: u64())) }
    mutating func byte() -> UInt8 { let b = p[i]; i += 1; return b }
    mutating func blob() -> [UInt8] { let n = u32(); defer { i += n }; return Array(p[i..<i + n]) }
    mutating func blobSlice() -> UnsafeRawBufferPointer { let n = u32(); defer { i += n }; return UnsafeRawBufferPointer(rebasing: p[i..<i + n]) }
    mutating func string() -> String { let n = u32(); defer { i += n }; return String(decoding: p[i..<i + n], as: UTF8.self) }
    mutating func optionalString() -> String? { byte() == 1 ? string() : nil }

    mutating func annotations() -> Annotations {
        var a = Annotations()
        for _ in 0..<u32() {
            let k = string()
            switch byte() {
            case 0: a[k] = .int(u64())
            case 1: a[k] = .number(f64())
            case 2: a[k] = .string(string())
            default: a[k] = .bool(byte() == 1)
            }
        }
        return a
    }
}

/// Appends records to a work file; published atomically by `commit()`.
final class RecordWriter {
    private let w: AtomicCompressedWriter
    private var header = [UInt8](repeating: 0, count: 4)
    private(set) var count = 0

    init(path: String) throws { w = try AtomicCompressedWriter(path: path, compression: .none, level: nil, checksum: false, durable: false) }

    func append(_ e: RecordEncoder) throws {
        var n = UInt32(e.bytes.count).littleEndian
        try withUnsafeBytes(of: &n) { try w.write($0) }
        try e.bytes.withUnsafeBytes { try w.write($0) }
        count += 1
    }

    func commit() throws { _ = try w.commit() }
    func abandon() { w.abandon() }
}

/// Streams the records of a work file (or a byte range of one) in order, with bounded memory.
final class RecordReader {
    private let source: FileSource
    private var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    private var start = 0
    private var end = 0
    private var eof = false

    init(path: String, offset: Int64 = 0, length: Int64? = nil) throws {
        source = try FileSource(path: path, offset: offset, length: length)
    }

    deinit { buffer.deallocate() }

    /// Makes at least `n` bytes available from `start`; false at the end of the file.
    private func fill(_ n: Int) throws -> Bool {
        while end - start < n {
            if eof { return false }
            if start > 0 {
                let pending = end - start
                if pending > 0 { memmoveBytes(buffer.baseAddress!, buffer.baseAddress! + start, pending) }
                start = 0; end = pending
            }
            if n > buffer.count {
                let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(n, buffer.count * 2), alignment: 16)
                bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
                buffer.deallocate()
                buffer = bigger
            }
            let got = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
            if got == 0 { eof = true } else { end += got }
        }
        return true
    }

    func forEach(_ body: (inout RecordDecoder) throws -> Void) throws {
        while try fill(4) {
            let n = Int(UInt32(littleEndian: UnsafeRawPointer(buffer.baseAddress! + start).loadUnaligned(as: UInt32.self)))
            guard try fill(4 + n) else { throw FileError(source.path, "truncated work file (record of \(n) bytes cut short)") }
            var d = RecordDecoder(UnsafeRawBufferPointer(start: buffer.baseAddress! + start + 4, count: n))
            try body(&d)
            start += 4 + n
        }
    }
}
