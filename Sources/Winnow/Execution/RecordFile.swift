import Foundation
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
            case .json(let j): bytes.append(4); string(j)
            }
        }
    }
}

struct RecordDecoder {
    let p: UnsafeRawBufferPointer
    var i = 0
    /// Set when a read would pass the record's end (a corrupt file): that read and every later one give zero or
    /// empty values, and the reader refuses the file (found by fuzzing the `records` target).
    private(set) var overran = false
    init(_ p: UnsafeRawBufferPointer) { self.p = p }

    /// The offset of the next `n` bytes, or nil (and `overran`) when the record has fewer.
    @inline(__always) private mutating func take(_ n: Int) -> Int? {
        guard !overran, n >= 0, i >= 0, i <= p.count - n else { overran = true; return nil }
        defer { i += n }
        return i
    }

    mutating func u32() -> Int { guard let at = take(4) else { return 0 }; return Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
    mutating func u64() -> Int { guard let at = take(8) else { return 0 }; return Int(truncatingIfNeeded: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt64.self))) }
    mutating func f64() -> Double { Double(bitPattern: UInt64(truncatingIfNeeded: u64())) }
    mutating func byte() -> UInt8 { guard let at = take(1) else { return 0 }; return p[at] }
    mutating func blob() -> [UInt8] { let n = u32(); guard let at = take(n) else { return [] }; return Array(p[at..<at + n]) }
    mutating func blobSlice() -> UnsafeRawBufferPointer {
        let n = u32()
        guard let at = take(n) else { return UnsafeRawBufferPointer(rebasing: p[0..<0]) }
        return UnsafeRawBufferPointer(rebasing: p[at..<at + n])
    }
    mutating func string() -> String { let n = u32(); guard let at = take(n) else { return "" }; return String(decoding: p[at..<at + n], as: UTF8.self) }
    mutating func optionalString() -> String? { byte() == 1 ? string() : nil }

    mutating func annotations() -> Annotations {
        var a = Annotations()
        for _ in 0..<u32() {
            if overran { break }
            let k = string()
            switch byte() {
            case 0: a[k] = .int(u64())
            case 1: a[k] = .number(f64())
            case 2: a[k] = .string(string())
            case 4: a[k] = .json(string())
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

    /// Where the records end (file offset), and how far the reader has read: a record's stated length is checked
    /// against what is left before a buffer is sized for it (a corrupt length of 4 GB asked for 4 GB: fuzzing).
    private let limit: Int64
    private var readTo: Int64

    init(path: String, offset: Int64 = 0, length: Int64? = nil) throws {
        source = try FileSource(path: path, offset: offset, length: length)
        let size = ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int).map(Int64.init) ?? Int64.max
        limit = length.map { min(size, offset + $0) } ?? size
        readTo = offset
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
            if got == 0 { eof = true } else { end += got; readTo += Int64(got) }
        }
        return true
    }

    func forEach(_ body: (inout RecordDecoder) throws -> Void) throws {
        while try fill(4) {
            let n = Int(UInt32(littleEndian: UnsafeRawPointer(buffer.baseAddress! + start).loadUnaligned(as: UInt32.self)))
            let at = readTo - Int64(end - start)   // the file offset of this record's length
            guard Int64(4 + n) <= limit - at, try fill(4 + n) else { throw FileError(source.path, "truncated work file (record of \(n) bytes cut short)") }
            var d = RecordDecoder(UnsafeRawBufferPointer(start: buffer.baseAddress! + start + 4, count: n))
            try body(&d)
            start += 4 + n
        }
    }
}

/// One kind of work-file record: its kind and format version (written in the file's header) and its encoding;
/// decoding is `init(_:)`. The types are in `WorkFile`.
protocol WorkRecord {
    static var kind: String { get }
    static var version: Int { get }
    func encode(_ e: inout RecordEncoder)
    init(_ d: inout RecordDecoder)
}

/// The first record of every typed work file: magic, kind, version.
enum WorkFileHeader {
    static let magic = "winnow-work-file"
    static func encode(kind: String, version: Int) -> RecordEncoder {
        var e = RecordEncoder(); e.string(magic); e.string(kind); e.u32(version); return e
    }
}

/// A work file of records of type `R`, header first; published atomically by `commit()`.
final class WorkFileWriter<R: WorkRecord> {
    private let w: RecordWriter
    private var e = RecordEncoder()
    var count: Int { w.count - 1 }

    init(_ path: String) throws {
        w = try RecordWriter(path: path)
        try w.append(WorkFileHeader.encode(kind: R.kind, version: R.version))
    }

    func append(_ r: R) throws {
        e.bytes.removeAll(keepingCapacity: true)
        r.encode(&e)
        try w.append(e)
    }

    func commit() throws { try w.commit() }
    func abandon() { w.abandon() }
}

/// A work file of another kind or format version than its reader expects.
struct WorkFileFormatError: Error, CustomStringConvertible {
    let path: String
    let found: String
    let expected: String
    var description: String {
        "\(path): a work file in another format (\(found); this Winnow reads \(expected)). It was written by another Winnow version or is not a work file: start the run again with --fresh (or a new --workdir for stage tasks)"
    }
}

extension WorkRecord {
    static func writer(_ path: String) throws -> WorkFileWriter<Self> { try WorkFileWriter<Self>(path) }

    /// Calls `body` with each record of the file at `path`, after checking its header.
    static func forEach(_ path: String, _ body: (Self) throws -> Void) throws {
        var first = true
        try RecordReader(path: path).forEach { d in
            if first {
                first = false
                try checkHeader(&d, path)
                return
            }
            let r = Self(&d)
            guard !d.overran, d.i == d.p.count else {
                throw FileError(path, "a corrupt work-file record (its fields \(d.overran ? "run past" : "stop short of") its \(d.p.count) bytes): start the run again with --fresh (or a new --workdir for stage tasks)")
            }
            try body(r)
        }
        if first { throw WorkFileFormatError(path: path, found: "an empty file", expected: "\(kind) version \(version)") }
    }

    private static func checkHeader(_ d: inout RecordDecoder, _ path: String) throws {
        let expected = "\(kind) version \(version)"
        guard d.p.count >= 4, Int(UInt32(littleEndian: d.p.loadUnaligned(as: UInt32.self))) == WorkFileHeader.magic.utf8.count,
              d.p.count >= 8 + WorkFileHeader.magic.utf8.count, d.string() == WorkFileHeader.magic else {
            throw WorkFileFormatError(path: path, found: "no work-file header", expected: expected)
        }
        let k = d.string(), v = d.u32()
        guard k == kind, v == version else { throw WorkFileFormatError(path: path, found: "\(k) version \(v)", expected: expected) }
    }

    /// Number of records in the file (header checked).
    static func count(_ path: String) throws -> Int {
        var n = 0
        try forEach(path) { _ in n += 1 }
        return n
    }
}
