#if canImport(Glibc)
import Glibc
#endif
import CIsal

/// Where a large WARC or WET file may be cut into partitions that workers read in parallel: at record boundaries of
/// an uncompressed file, found by walking the record headers (each names its block's length); at gzip member
/// boundaries of a file compressed record by record, as Common Crawl ships them. A file gzip-compressed whole has no
/// such boundary and stays one partition.
enum WARCSplit {
    /// The offsets at which partitions start: 0, then the first record or member boundary at least `chunk` bytes
    /// after the previous cut. Walking stops, and the rest of the file stays in the last partition, at anything
    /// that is not a well-formed record (the reader reports it).
    static func cuts(path: String, size: Int64, chunk: Int64, compression: Compression) throws -> [Int64] {
        guard size > chunk else { return [0] }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FileError(path, "cannot open (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        switch compression {
        case .none: return recordCuts(fd: fd, size: size, chunk: chunk)
        case .gzip: return memberCuts(fd: fd, size: size, chunk: chunk)
        case .zstd: return [0]
        }
    }

    private static func pread(_ fd: Int32, _ offset: Int64, _ count: Int) -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: count)
        let n = buf.withUnsafeMutableBytes { Glibc.pread(fd, $0.baseAddress, count, off_t(offset)) }
        return n > 0 ? Array(buf[0..<n]) : []
    }

    // MARK: uncompressed: record boundaries

    private static func recordCuts(fd: Int32, size: Int64, chunk: Int64) -> [Int64] {
        var cuts: [Int64] = [0]
        var pos: Int64 = 0
        while let next = nextRecord(fd: fd, at: pos, size: size), next < size {
            pos = next
            if pos - cuts[cuts.count - 1] >= chunk { cuts.append(pos) }
        }
        return cuts
    }

    /// The offset of the record after the one starting at `pos` (blank lines before it skipped), or nil when the
    /// bytes at `pos` are not a record with a valid Content-Length.
    static func nextRecord(fd: Int32, at start: Int64, size: Int64) -> Int64? {
        var pos = start
        var head = pread(fd, pos, 4096)
        var lead = 0
        while lead < head.count, head[lead] == 0x0D || head[lead] == 0x0A { lead += 1 }
        if lead == head.count { return head.isEmpty ? nil : size }      // only blank lines left
        pos += Int64(lead)
        if lead > 0 { head = pread(fd, pos, 4096) }
        guard head.starts(with: Array("WARC/1.".utf8)) else { return nil }
        var end: Int? = nil
        while end == nil {
            end = headerEnd(head)
            if end == nil {
                guard head.count < WARCReader.headerLineLimit, pos + Int64(head.count) < size else { return nil }
                head = pread(fd, pos, head.count * 4)
            }
        }
        guard let length = contentLength(head[..<end!]) else { return nil }
        return pos + Int64(end!) + length
    }

    /// Bytes up to and including the blank line that ends the headers.
    private static func headerEnd(_ b: [UInt8]) -> Int? {
        var i = 0
        while let nl = b[i...].firstIndex(of: 0x0A) {
            if nl + 1 < b.count, b[nl + 1] == 0x0A { return nl + 2 }
            if nl + 2 < b.count, b[nl + 1] == 0x0D, b[nl + 2] == 0x0A { return nl + 3 }
            i = nl + 1
        }
        return nil
    }

    private static func contentLength(_ headers: ArraySlice<UInt8>) -> Int64? {
        for line in headers.split(separator: 0x0A) {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = String(decoding: line[..<colon], as: UTF8.self).trimmingCharacters(in: .whitespaces).lowercased()
            if name == "content-length" {
                return Int64(String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)).flatMap { $0 >= 0 ? $0 : nil }
            }
        }
        return nil
    }

    // MARK: gzip: member boundaries

    private static func memberCuts(fd: Int32, size: Int64, chunk: Int64) -> [Int64] {
        var cuts: [Int64] = [0]
        var target = chunk
        while target < size, let m = firstMember(fd: fd, from: target, size: size) {
            cuts.append(m)
            target = m + chunk
        }
        return cuts
    }

    /// The first offset at or after `from` where a gzip member starts whose text starts a WARC record.
    private static func firstMember(fd: Int32, from: Int64, size: Int64) -> Int64? {
        var pos = from
        let window = 1 << 20
        while pos < size {
            let buf = pread(fd, pos, window + 2)
            if buf.count < 3 { return nil }
            var i = 0
            while i + 2 < buf.count, let j = buf[i..<(buf.count - 2)].firstIndex(of: 0x1F) {
                if buf[j + 1] == 0x8B, buf[j + 2] == 0x08, j + 3 < buf.count, buf[j + 3] & 0xE0 == 0,
                   startsWARCRecord(fd: fd, at: pos + Int64(j)) {
                    return pos + Int64(j)
                }
                i = j + 1
            }
            pos += Int64(buf.count - 2)
        }
        return nil
    }

    /// Whether a gzip member starting at `offset` inflates to a WARC version line.
    static func startsWARCRecord(fd: Int32, at offset: Int64) -> Bool {
        var input = pread(fd, offset, 1 << 16)
        let state = UnsafeMutablePointer<inflate_state>.allocate(capacity: 1)
        defer { state.deallocate() }
        isal_inflate_init(state)
        state.pointee.crc_flag = UInt32(ISAL_GZIP)
        var out = [UInt8](repeating: 0, count: 16)
        let produced: Int = input.withUnsafeMutableBytes { inBuf in
            out.withUnsafeMutableBytes { outBuf in
                state.pointee.next_in = inBuf.baseAddress!.assumingMemoryBound(to: UInt8.self)
                state.pointee.avail_in = UInt32(inBuf.count)
                state.pointee.next_out = outBuf.baseAddress!.assumingMemoryBound(to: UInt8.self)
                state.pointee.avail_out = UInt32(outBuf.count)
                guard isal_inflate(state) >= 0 else { return 0 }
                return outBuf.count - Int(state.pointee.avail_out)
            }
        }
        return out[0..<produced].starts(with: Array("WARC/1.".utf8))
    }
}
