import Foundation

/// Why a fastText model cannot be used; the message names the file and what is wrong with it.
public struct FastTextError: Error, CustomStringConvertible {
    public let path: String
    public let message: String
    public var description: String { "\(path): \(message)" }
}

/// Little-endian reads over a model file, each bounds-checked against the file's size so a truncated file
/// fails at load with what was being read, never later. Reads from a file go through a small buffer, and
/// matrices straight into their arrays, so loading a model needs no second copy of it in memory.
struct FastTextReader {
    let path: String
    let size: Int
    private(set) var offset = 0
    private var buffer: [UInt8]
    private var bufferStart = 0          // file offset of buffer[0]
    private let file: FileHandle?

    init(bytes: [UInt8], path: String) {
        self.path = path; size = bytes.count; buffer = bytes; file = nil
    }

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw FastTextError(path: path, message: "model file cannot be opened") }
        let end = try handle.seekToEnd()
        try handle.seek(toOffset: 0)
        self.path = path; size = Int(end); buffer = []; file = handle
    }

    func fail(_ message: String) -> FastTextError { FastTextError(path: path, message: message) }

    func need(_ n: Int, _ what: String) throws {
        guard n >= 0, offset + n <= size else {
            throw fail("truncated: \(what) needs \(n) bytes at offset \(offset), the file has \(size)")
        }
    }

    /// Makes bytes offset..<offset+n available in `buffer` (n ≤ 1 MiB).
    private mutating func fill(_ n: Int) throws {
        if offset + n <= bufferStart + buffer.count { return }
        guard let file else { return }
        let keep = Array(buffer[(offset - bufferStart)...])
        try file.seek(toOffset: UInt64(offset + keep.count))
        let more = try file.read(upToCount: max(n - keep.count, 1 << 20)) ?? Data()
        buffer = keep + [UInt8](more)
        bufferStart = offset
    }

    private mutating func take<T: FixedWidthInteger>(_: T.Type, _ what: String) throws -> T {
        let n = MemoryLayout<T>.size
        try need(n, what)
        try fill(n)
        let v = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset - bufferStart, as: T.self) }
        offset += n
        return T(littleEndian: v)
    }

    mutating func int32(_ what: String) throws -> Int32 { try take(Int32.self, what) }
    mutating func int64(_ what: String) throws -> Int64 { try take(Int64.self, what) }
    mutating func uint8(_ what: String) throws -> UInt8 { try take(UInt8.self, what) }
    mutating func bool(_ what: String) throws -> Bool { try uint8(what) != 0 }
    mutating func double(_ what: String) throws -> Double { Double(bitPattern: UInt64(bitPattern: try int64(what))) }

    /// Bytes up to (not including) the next NUL.
    mutating func cString(_ what: String) throws -> [UInt8] {
        var out: [UInt8] = []
        while true {
            guard offset < size else { throw fail("truncated: \(what) has no terminating NUL") }
            try fill(1)
            let b = buffer[offset - bufferStart]
            offset += 1
            if b == 0 { return out }
            out.append(b)
        }
    }

    mutating func floats(_ count: Int, _ what: String) throws -> [Float] {
        let buffer = try floatBuffer(count, what)
        defer { buffer.deallocate() }
        return Array(buffer)
    }

    /// `count` floats in a buffer the caller owns (and deallocates): a matrix is read straight into it.
    mutating func floatBuffer(_ count: Int, _ what: String) throws -> UnsafeMutableBufferPointer<Float> {
        guard count >= 0, count <= (size - offset) / 4 else {
            throw fail("truncated: \(what) needs \(count) floats (\(count * 4) bytes) at offset \(offset), the file has \(size) bytes")
        }
        let out = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
        do { try read(into: UnsafeMutableRawBufferPointer(out), what) } catch { out.deallocate(); throw error }
        #if _endian(big)
        for i in out.indices { out[i] = Float(bitPattern: UInt32(littleEndian: out[i].bitPattern)) }
        #endif
        offset += 4 * count
        return out
    }

    /// Fills `dst` with the bytes at `offset` (not advancing it): what the buffer holds, then the rest with
    /// read(2) straight into `dst`.
    private mutating func read(into dst: UnsafeMutableRawBufferPointer, _ what: String) throws {
        do {
            var done = 0
            let buffered = min(dst.count, max(0, bufferStart + buffer.count - offset))
            if buffered > 0 {
                buffer.withUnsafeBytes { src in dst.baseAddress!.copyMemory(from: src.baseAddress! + (offset - bufferStart), byteCount: buffered) }
                done = buffered
            }
            if done < dst.count, let file {
                let fd = file.fileDescriptor
                while done < dst.count {
                    let n = pread(fd, dst.baseAddress! + done, min(dst.count - done, 1 << 30), off_t(offset + done))
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { throw fail("cannot read \(what) at offset \(offset + done): \(n < 0 ? String(cString: strerror(errno)) : "end of file")") }
                    done += n
                }
                buffer = []; bufferStart = offset + dst.count
            }
        }
    }

    mutating func raw(_ count: Int, _ what: String) throws -> [UInt8] {
        try need(count, what)
        if file == nil {
            defer { offset += count }
            return Array(buffer[offset..<(offset + count)])
        }
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            let n = min(count - out.count, 1 << 20)
            try fill(n)
            out.append(contentsOf: buffer[(offset - bufferStart)..<(offset - bufferStart + n)])
            offset += n
        }
        return out
    }
}
