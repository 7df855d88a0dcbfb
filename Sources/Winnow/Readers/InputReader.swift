import Foundation

/// One thing read from an input: a document, or a line that could not become one.
enum InputItem {
    case document(Document, line: Int)
    case bad(line: Int, reason: String, message: String)
    /// A record that is not a document for this source (a WARC response that is not a 200 or not HTML): counted
    /// as read and recorded as dropped by the reader with `reason`, with its URL when it has one.
    case skipped(line: Int, id: String, reason: String, url: String?)
}

/// Reads the documents of one partition (a file, or a byte range of one) in order.
struct InputReader {
    let partition: Partition
    let source: SourceSpec
    let displayPath: String
    let maxLineBytes: Int
    /// Called with the number of bytes read from disk, for progress.
    var onBytes: ((Int) -> Void)? = nil

    func read(_ body: (InputItem) throws -> Void) throws {
        switch source.format {
        case .jsonl: try readJSONL(body)
        case .text where source.textMode == .file: try readWholeFile(body)
        case .text where source.textMode == .chunks: try readChunks(body)
        case .text: try readBlocks(body)
        case .html: try readHTMLFile(body)
        case .parquet: try ParquetSource.read(partition: partition, source: source, displayPath: displayPath, onBytes: onBytes, body)
        case .warc, .wet:
            try WARCReader(partition: partition, source: source, displayPath: displayPath, maxBytes: maxLineBytes, onBytes: onBytes).read(body)
        }
    }

    private func openLines() throws -> (LineReader, Int64) {
        var skipFirst = false
        var offset = partition.offset
        if partition.offset > 0 {
            // Start one byte early: if it is a newline the range starts on a line; otherwise the
            // first (partial) line belongs to the previous range.
            offset -= 1
            skipFirst = true
        }
        let src = try openByteSource(path: partition.path, offset: offset, length: nil, onBytes: onBytes)
        let reader = LineReader(source: src, maxLineBytes: maxLineBytes)
        return (reader, skipFirst ? 1 : 0)
    }

    private func readJSONL(_ body: (InputItem) throws -> Void) throws {
        let (reader, skip) = try openLines()
        var parser = DocumentLineParser(textField: source.textField, idField: source.idField)
        var pos = partition.offset - skip
        var skipping = skip == 1
        var lineNo = partition.firstLine
        let end = partition.length.map { partition.offset + $0 } ?? Int64.max
        try reader.forEachLine { item in
            let lineStart = pos
            switch item {
            case .text(let line): pos += Int64(line.count) + 1
            case .tooLong(let n): pos += Int64(n) + 1
            }
            if skipping { skipping = false; return true }
            if lineStart >= end { return false }
            defer { lineNo += 1 }
            switch item {
            case .tooLong(let n):
                try body(.bad(line: lineNo, reason: "line_too_long", message: "line of \(n) bytes is over max_line_bytes (\(maxLineBytes))"))
            case .text(var line):
                if lineStart == 0 { line = ByteOrderMark.strip(line) }
                if line.count > 0, line[line.count - 1] == 0x0D { line = UnsafeBufferPointer(rebasing: line[0..<line.count - 1]) }
                if line.isEmpty || line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return true }  // blank lines are not documents
                if let f = parser.parse(line) {
                    try body(.bad(line: lineNo, reason: f.code, message: f.message))
                    return true
                }
                let id = parser.hasID ? String(decoding: parser.id, as: UTF8.self) : "\(source.name):\(displayPath):\(lineNo)"
                let text: String
                switch parser.makeText() {
                case .success(let t): text = t
                case .failure(let f):
                    try body(.bad(line: lineNo, reason: f.code, message: f.message))
                    return true
                }
                var doc = Document(id: id, text: text, source: source.name, metadata: parser.metadata)
                doc.escapedText = parser.rawText
                if !parser.duplicateKeys.isEmpty { doc.annotations["duplicate_keys"] = .string(parser.duplicateKeys.joined(separator: ",")) }
                try body(.document(doc, line: lineNo))
            }
            return true
        }
    }

    /// The page's URL sidecar: `page.html` → `page.html.url` (`page.html.gz` → `page.html.gz.url`), its first
    /// non-empty line the URL.
    static let urlSidecarSuffix = ".url"

    /// The URL a page's sidecar gives: nil without a sidecar; a sidecar that cannot be read is an error naming it.
    static func sidecarURL(for page: String) throws -> String? {
        let path = page + urlSidecarSuffix
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let bytes = try readAll(openByteSource(path: path), limit: 1 << 16) else { throw FileError(path, "URL sidecar is over 64 KiB") }
        let line = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty }
        return line
    }

    /// `html`: the file is one page, decoded from the charset it declares (`<meta>`, byte-order mark), else UTF-8 when
    /// valid, else Windows-1252; its id is its path, its URL (metadata and annotation `url`) the sidecar's, if any.
    private func readHTMLFile(_ body: (InputItem) throws -> Void) throws {
        guard let bytes = try readAll(openByteSource(path: partition.path, onBytes: onBytes), limit: maxLineBytes) else {
            try body(.bad(line: 1, reason: "document_too_long", message: "HTML file is over max_line_bytes (\(maxLineBytes))"))
            return
        }
        let charset = TextDecoding.sniffCharset(bytes)
        var (text, invalid) = TextDecoding.decode(bytes, charset: charset)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let url: String?
        do { url = try Self.sidecarURL(for: partition.path) } catch let e as FileError {
            try body(.bad(line: 1, reason: "unreadable_sidecar", message: e.description))
            return
        }
        var metadata: [UInt8] = []
        if let url { var o = JSONObject(); o["url"] = .string(url); metadata = Array(JSONWriter.compact(.object(o)).utf8) }
        var doc = Document(id: displayPath, text: text, source: source.name, metadata: metadata)
        if let url { doc.annotations["url"] = .string(url) }
        if let charset { doc.annotations["charset"] = .string(charset.lowercased()) }
        if invalid > 0 { doc.annotations["invalid_bytes"] = .number(Double(invalid)) }
        try body(.document(doc, line: 1))
    }

    private func readWholeFile(_ body: (InputItem) throws -> Void) throws {
        guard var bytes = try readAll(openByteSource(path: partition.path, onBytes: onBytes), limit: maxLineBytes) else {
            try body(.bad(line: 1, reason: "document_too_long", message: "text file is over max_line_bytes (\(maxLineBytes))"))
            return
        }
        if bytes.starts(with: ByteOrderMark.bytes) { bytes.removeFirst(3) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let at = bytes.withUnsafeBufferPointer { UTF8Validation.firstInvalidOffset($0) } ?? 0
            try body(.bad(line: 1, reason: "invalid_utf8", message: "invalid UTF-8 at byte \(at)"))
            return
        }
        try body(.document(Document(id: displayPath, text: text, source: source.name), line: 1))
    }

    /// `chunks`: consecutive blocks joined (with a blank line, as written) until a document holds `chunk_words` words
    /// (Unicode whitespace-separated); the document's line is its first block's. A bad block stays a bad line of its
    /// own and closes the chunk before it.
    private func readChunks(_ body: (InputItem) throws -> Void) throws {
        var text = "", firstLine = 0, words = 0
        func flush() throws {
            defer { text = ""; firstLine = 0; words = 0 }
            guard firstLine > 0 else { return }
            try body(.document(Document(id: "\(displayPath):\(firstLine)", text: text, source: source.name), line: firstLine))
        }
        try readBlocks { item in
            switch item {
            case .document(let block, let line):
                if firstLine == 0 { firstLine = line } else { text += "\n\n" }
                text += block.text
                words += block.text.split(whereSeparator: { $0.isWhitespace }).count
                if words >= source.chunkWords { try flush() }
            case .bad, .skipped:
                try flush()
                try body(item)
            }
        }
        try flush()
    }

    private func readBlocks(_ body: (InputItem) throws -> Void) throws {
        let (reader, _) = try openLines()
        var lineNo = 0
        var block: [UInt8] = []
        var blockStart = 0
        var blockBad: (String, String)? = nil
        func flush() throws {
            defer { block.removeAll(keepingCapacity: true); blockBad = nil; blockStart = 0 }
            guard blockStart > 0 else { return }
            if let (reason, message) = blockBad { try body(.bad(line: blockStart, reason: reason, message: message)); return }
            guard let text = String(validating: block, as: UTF8.self) else {
                let at = block.withUnsafeBufferPointer { UTF8Validation.firstInvalidOffset($0) } ?? 0
                try body(.bad(line: blockStart, reason: "invalid_utf8", message: "invalid UTF-8 at byte \(at) of the block"))
                return
            }
            try body(.document(Document(id: "\(displayPath):\(blockStart)", text: text, source: source.name), line: blockStart))
        }
        try reader.forEachLine { item in
            lineNo += 1
            switch item {
            case .tooLong(let n):
                if blockStart == 0 { blockStart = lineNo }
                blockBad = ("line_too_long", "line \(lineNo) of \(n) bytes is over max_line_bytes (\(maxLineBytes))")
            case .text(var line):
                if lineNo == 1 { line = ByteOrderMark.strip(line) }
                if line.count > 0, line[line.count - 1] == 0x0D { line = UnsafeBufferPointer(rebasing: line[0..<line.count - 1]) }
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { try flush(); return true }
                if blockStart == 0 { blockStart = lineNo } else { block.append(0x0A) }
                block.append(contentsOf: line)
                if block.count > maxLineBytes { blockBad = ("document_too_long", "block is over max_line_bytes (\(maxLineBytes))"); block.removeAll() }
            }
            return true
        }
        try flush()
    }
}


/// The texts of a JSONL file, for tools (bad lines are skipped).
public enum JSONLTexts {
    /// Every line of a JSONL file (.gz/.zst too), parsed; nil for a line that is not JSON. Streams the file.
    public static func forEachRecord(_ path: String, _ body: (_ line: Int, _ record: JSONValue?) throws -> Void) throws {
        var n = 0
        try LineReader(source: try openByteSource(path: path), maxLineBytes: 1 << 30).forEachLine { line in
            n += 1
            if case .text(var l) = line {
                if n == 1 { l = ByteOrderMark.strip(l) }
                let record = try? JSONParser.parse(Array(UnsafeRawBufferPointer(l)))
                try body(n, record)
            }
            return true
        }
    }

    /// One JSONL line as the pipeline's reader sees it: its id (a string, or a number's JSON text) and text, or why
    /// it is not a document (`reason`, as lineage records it).
    public enum Line {
        case document(id: String?, idIsNumber: Bool, text: String, duplicateKeys: [String])
        case bad(reason: String, message: String)
    }

    /// Every non-blank line of a JSONL file (.gz/.zst too, "/dev/stdin"), parsed by the same parser the pipeline
    /// reads with (so duplicate keys, a byte-order mark and bad lines are treated alike). Streams the file.
    public static func forEachDocument(_ path: String, textField: String = "text", idField: String = "id",
                                       _ body: (_ line: Int, _ item: Line) throws -> Void) throws {
        var parser = DocumentLineParser(textField: textField, idField: idField)
        var n = 0
        try LineReader(source: try openByteSource(path: path), maxLineBytes: 1 << 30).forEachLine { item in
            n += 1
            guard case .text(var l) = item else { return true }
            if n == 1 { l = ByteOrderMark.strip(l) }
            if l.count > 0, l[l.count - 1] == 0x0D { l = UnsafeBufferPointer(rebasing: l[0..<l.count - 1]) }
            if l.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return true }
            if let f = parser.parse(l) { try body(n, .bad(reason: f.code, message: f.message)); return true }
            switch parser.makeText() {
            case .failure(let f): try body(n, .bad(reason: f.code, message: f.message))
            case .success(let t):
                let first = parser.id.first
                try body(n, .document(id: parser.hasID ? String(decoding: parser.id, as: UTF8.self) : nil,
                                      idIsNumber: parser.hasID && first != nil && (first == UInt8(ascii: "-") || (first! >= 0x30 && first! <= 0x39)) && !parser.idWasString,
                                      text: t, duplicateKeys: parser.duplicateKeys))
            }
            return true
        }
    }

    public static func read(_ path: String, field: String = "text") throws -> [String] {
        var out: [String] = []
        try forEachText(path, field: field) { out.append($0) }
        return out
    }

    /// The `field` string of each JSONL line, streamed; lines without one are skipped.
    public static func forEachText(_ path: String, field: String = "text", _ body: (String) throws -> Void) throws {
        try forEachDocument(path, textField: field) { _, item in
            if case .document(_, _, let t, _) = item { try body(t) }
        }
    }

    /// Each line's bytes (without its newline), streamed; .gz/.zst are decompressed; "/dev/stdin" works.
    public static func forEachLine(_ path: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        var first = true
        try LineReader(source: try openByteSource(path: path), maxLineBytes: 1 << 30).forEachLine { line in
            if case .text(var l) = line {
                if first { l = ByteOrderMark.strip(l); first = false }
                try body(l)
            }
            return true
        }
    }
}


/// The UTF-8 byte-order mark some editors put at the start of a file; it is not part of the first line's text.
enum ByteOrderMark {
    static let bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
    static func strip(_ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        line.count >= 3 && line[0] == 0xEF && line[1] == 0xBB && line[2] == 0xBF ? UnsafeBufferPointer(rebasing: line[3...]) : line
    }
}
