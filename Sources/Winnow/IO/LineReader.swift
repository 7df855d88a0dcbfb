/// Splits a byte stream into lines without copying: each line is handed to the caller as a buffer
/// that is valid only during the call. Lines longer than `maxLineBytes` are reported, not loaded.
final class LineReader {
    enum Line {
        case text(UnsafeBufferPointer<UInt8>)
        /// A line longer than the limit; its bytes were skipped. `bytes` is its full length.
        case tooLong(bytes: Int)
    }

    private let source: ByteSource
    private let maxLineBytes: Int
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var eof = false
    /// Bytes consumed so far, including newlines: the offset of the next line from the stream start.
    private(set) var consumed: Int64 = 0

    init(source: ByteSource, maxLineBytes: Int, bufferBytes: Int = 1 << 20) {
        self.source = source
        self.maxLineBytes = maxLineBytes
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bufferBytes, 4096), alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// Calls `body` for each line (without its `\n`; a trailing `\r` is kept for the caller to decide).
    /// `body` returns false to stop early.
    func forEachLine(_ body: (Line) throws -> Bool) throws {
        var skipping = false
        var skippedBytes = 0
        while true {
            // Look for a newline in the buffered bytes.
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var searchFrom = start
            while true {
                let avail = end - searchFrom
                if avail > 0, let nl = memchrOffset(base + searchFrom, avail) {
                    let lineEnd = searchFrom + nl
                    if skipping {
                        skippedBytes += lineEnd - start
                        consumed += Int64(lineEnd - start + 1)
                        start = lineEnd + 1
                        skipping = false
                        if try !body(.tooLong(bytes: skippedBytes)) { return }
                    } else {
                        let line = UnsafeBufferPointer(start: base + start, count: lineEnd - start)
                        consumed += Int64(lineEnd - start + 1)
                        start = lineEnd + 1
                        if line.count > maxLineBytes {
                            if try !body(.tooLong(bytes: line.count)) { return }
                        } else if try !body(.text(line)) { return }
                    }
                    searchFrom = start
                    continue
                }
                break
            }
            if eof {
                if skipping {
                    consumed += Int64(end - start)
                    skippedBytes += end - start
                    start = end
                    _ = try body(.tooLong(bytes: skippedBytes))
                } else if end > start {
                    let line = UnsafeBufferPointer(start: base + start, count: end - start)
                    consumed += Int64(end - start)
                    start = end
                    if line.count > maxLineBytes { _ = try body(.tooLong(bytes: line.count)) } else { _ = try body(.text(line)) }
                }
                return
            }
            // No newline: make room and read more.
            if skipping || (end - start) > maxLineBytes {
                if !skipping { skipping = true; skippedBytes = 0 }
                skippedBytes += end - start
                consumed += Int64(end - start)
                start = 0; end = 0
            } else if start > 0 {
                let pending = end - start
                if pending > 0 { memmoveBytes(buffer.baseAddress!, buffer.baseAddress! + start, pending) }
                start = 0; end = pending
            }
            if end == buffer.count {
                let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
                bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
                buffer.deallocate()
                buffer = bigger
            }
            let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
            if n == 0 { eof = true } else { end += n }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) func memchrOffset(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
    guard let r = memchr(p, 0x0A, n) else { return nil }
    return UnsafeRawPointer(r) - UnsafeRawPointer(p)
}

@inline(__always) func memmoveBytes(_ dst: UnsafeMutableRawPointer, _ src: UnsafeMutableRawPointer, _ n: Int) {
    memmove(dst, src, n)
}

/// Counts `\n` bytes in a file range (used to number lines of byte-range partitions).
func countNewlines(path: String, offset: Int64, length: Int64) throws -> Int {
    let src = try FileSource(path: path, offset: offset, length: length)
    let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { buf.deallocate() }
    var count = 0
    while true {
        let n = try src.read(into: buf)
        if n == 0 { break }
        var p = buf.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var left = n
        while left > 0, let r = memchr(p, 0x0A, left) {
            count += 1
            let q = r.assumingMemoryBound(to: UInt8.self) + 1
            left -= q - p
            p = q
        }
    }
    return count
}
