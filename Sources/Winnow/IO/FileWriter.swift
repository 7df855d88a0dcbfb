#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib
import CZstd
import CLinux

/// Buffered writes to a file descriptor.
final class RawFileWriter {
    let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private(set) var bytesWritten: Int64 = 0
    /// Start writeback every this many bytes (0: never), so a final fsync does not wait for everything.
    var writebackEvery: Int64 = 0
    private var writebackFrom: Int64 = 0

    init(path: String, append: Bool = false) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0o644)
        guard fd >= 0 else { throw FileError(path, "cannot create (\(String(cString: strerror(errno))))") }
        buffer.reserveCapacity(1 << 20)
    }

    deinit { close(fd) }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > (1 << 20) { try flush() }
        if bytes.count >= (1 << 20) { try writeAll(bytes); return }
        buffer.append(contentsOf: bytes)
    }

    func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var off = 0
        while off < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + off, bytes.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(path, "write failed (\(String(cString: strerror(errno))))")
            }
            off += n
        }
        bytesWritten += Int64(bytes.count)
        if writebackEvery > 0, bytesWritten - writebackFrom >= writebackEvery {
            _ = winnow_start_writeback(fd, writebackFrom, bytesWritten - writebackFrom)
            writebackFrom = bytesWritten
        }
    }

    /// Flushes and fsyncs.
    func sync() throws {
        try flush()
        fsync(fd)
    }
}

/// Writes a file through an optional compressor into `path.tmp-<pid>` and renames it into place on
/// `commit()`, so readers never see a half-written file. Keeps the SHA-256 of the bytes on disk.
final class AtomicCompressedWriter {
    let path: String
    private let tmpPath: String
    private let out: RawFileWriter
    private let compression: Compression
    private var sha: SHA256?
    /// Heap-allocated: zlib keeps a pointer back to the stream, so it must never move.
    private var gz: UnsafeMutablePointer<z_stream>?
    private var zctx: OpaquePointer?
    private var scratch = [UInt8](repeating: 0, count: 1 << 17)
    private(set) var uncompressedBytes: Int64 = 0

    private let durable: Bool

    /// `checksum: false` skips the SHA-256 and `durable: false` the fsync (work files that a resumed run
    /// rewrites anyway; a killed process loses nothing that reached the page cache).
    init(path: String, compression: Compression, level: Int?, checksum: Bool = true, durable: Bool = true) throws {
        self.path = path
        self.durable = durable
        sha = checksum ? SHA256() : nil
        self.compression = compression
        tmpPath = path + ".tmp-\(getpid())"
        try OutputLedger.noteWriting(path)
        out = try RawFileWriter(path: tmpPath)
        if durable { out.writebackEvery = 16 << 20 }
        switch compression {
        case .none: break
        case .gzip:
            let s = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            s.initialize(to: z_stream())
            // windowBits 31 = gzip wrapper; zlib writes mtime 0, so output is byte-identical across runs.
            let rc = deflateInit2_(s, Int32(level ?? 6), Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            guard rc == Z_OK else { s.deallocate(); throw FileError(path, "zlib deflate init failed (\(rc))") }
            gz = s
        case .zstd:
            guard let c = ZSTD_createCCtx() else { throw FileError(path, "zstd init failed") }
            ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, Int32(level ?? 3))
            ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1)
            zctx = c
        }
    }

    deinit {
        if let gz { deflateEnd(gz); gz.deallocate() }
        if let zctx { ZSTD_freeCCtx(zctx) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        uncompressedBytes += Int64(bytes.count)
        switch compression {
        case .none: try emit(bytes)
        case .gzip: try deflateChunk(bytes, flush: Z_NO_FLUSH)
        case .zstd: try zstdChunk(bytes, end: false)
        }
    }

    func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    private func emit(_ bytes: UnsafeRawBufferPointer) throws {
        sha?.update(bytes)
        try out.write(bytes)
    }

    private func deflateChunk(_ bytes: UnsafeRawBufferPointer, flush: Int32) throws {
        let empty: [UInt8] = [0]
        try empty.withUnsafeBytes { e in
            let src = bytes.count > 0 ? bytes : UnsafeRawBufferPointer(rebasing: e[0..<0])
            gz!.pointee.next_in = UnsafeMutablePointer(mutating: (src.baseAddress ?? e.baseAddress!).assumingMemoryBound(to: Bytef.self))
            gz!.pointee.avail_in = UInt32(src.count)
            while true {
                let (rc, produced): (Int32, Int) = scratch.withUnsafeMutableBytes { sb in
                    gz!.pointee.next_out = sb.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    gz!.pointee.avail_out = UInt32(sb.count)
                    let r = deflate(gz!, flush)
                    return (r, sb.count - Int(gz!.pointee.avail_out))
                }
                if produced > 0 { try scratch.withUnsafeBytes { try emit(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) } }
                if rc == Z_STREAM_END { return }
                guard rc == Z_OK || rc == Z_BUF_ERROR else { throw FileError(path, "gzip compression failed (\(rc))") }
                if flush == Z_NO_FLUSH && gz!.pointee.avail_in == 0 { return }
            }
        }
    }

    private func zstdChunk(_ bytes: UnsafeRawBufferPointer, end: Bool) throws {
        var input = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
        while true {
            let (rc, produced): (Int, Int) = scratch.withUnsafeMutableBytes { sb in
                var output = ZSTD_outBuffer(dst: sb.baseAddress, size: sb.count, pos: 0)
                let r = ZSTD_compressStream2(zctx, &output, &input, end ? ZSTD_e_end : ZSTD_e_continue)
                return (r, output.pos)
            }
            if ZSTD_isError(rc) != 0 { throw FileError(path, "zstd compression failed (\(String(cString: ZSTD_getErrorName(rc))))") }
            if produced > 0 { try scratch.withUnsafeBytes { try emit(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) } }
            if end ? rc == 0 : input.pos == input.size { return }
        }
    }

    /// Finishes the stream, fsyncs, renames into place; returns (bytes on disk, SHA-256 hex).
    func commit() throws -> (bytes: Int64, sha256: String) {
        switch compression {
        case .none: break
        case .gzip: try deflateChunk(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH)
        case .zstd: try zstdChunk(UnsafeRawBufferPointer(start: nil, count: 0), end: true)
        }
        if durable { try out.sync() } else { try out.flush() }
        guard rename(tmpPath, path) == 0 else { throw FileError(path, "cannot rename into place (\(String(cString: strerror(errno))))") }
        return (out.bytesWritten, sha?.finalize().hex ?? "")
    }

    /// Removes the temporary file without publishing it.
    func abandon() { unlink(tmpPath) }
}

/// Writes `bytes` to `path` atomically (temp file + fsync + rename).
func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws {
    let w = try AtomicCompressedWriter(path: path, compression: .none, level: nil, checksum: false)
    try w.write(bytes)
    _ = try w.commit()
}

/// Reads a whole (uncompressed) file.
func readFileBytes(_ path: String) throws -> [UInt8] {
    try readAll(FileSource(path: path))!
}
