import Foundation

/// A Parquet input file: its footer, its leaf columns, and the column chunks of a row group read on demand.
struct ParquetFile {
    let path: String
    let metadata: ParquetMetadata
    let leaves: [ParquetLeaf]

    init(path: String) throws {
        self.path = path
        metadata = try ParquetMetadata.read(path: path)
        do { leaves = try metadata.leaves() } catch let e as ParquetError { throw FileError(path, "Parquet schema: \(e.message)") }
        for (g, group) in metadata.rowGroups.enumerated() where group.columns.count != leaves.count {
            throw FileError(path, "row group \(g) has \(group.columns.count) column chunks where the schema has \(leaves.count) columns (corrupt footer)")
        }
    }

    /// The index of the flat column named `name`, if there is one.
    func column(_ name: String) -> Int? { leaves.firstIndex { $0.isFlat && $0.name == name } }

    /// The values of column `c` in row group `g`, one per row (nil for a null).
    func read(rowGroup g: Int, column c: Int, from h: FileHandle) throws -> [ParquetValue?] {
        let meta = metadata.rowGroups[g].columns[c]
        let values = try ParquetColumnReader(path: path, meta: meta, maxDefinitionLevel: leaves[c].maxDefinitionLevel, rowGroup: g).read(from: h)
        guard values.count == Int(metadata.rowGroups[g].numRows) else {
            throw FileError(path, "row group \(g), column \(leaves[c].name): \(values.count) values for the row group's \(metadata.rowGroups[g].numRows) rows")
        }
        return values
    }

    /// The index of the leaf of list column `name` — a list of scalars, however the writer nests it (`name.list.element`
    /// as pyarrow and Spark write it, `name.array`, `name.bag.array_element`) — if `name` is one.
    func listColumn(_ name: String) -> Int? {
        let c = leaves.indices.filter { leaves[$0].path[0] == name }
        guard c.count == 1, leaves[c[0]].path.count > 1, leaves[c[0]].maxRepetitionLevel == 1 else { return nil }
        return c[0]
    }

    /// The lists of list column `c` in row group `g`, one per row: its elements in order, nulls left out (a null or
    /// empty list is an empty one).
    func readLists(rowGroup g: Int, column c: Int, from h: FileHandle) throws -> [[ParquetValue]] {
        let meta = metadata.rowGroups[g].columns[c]
        let (values, repetition) = try ParquetColumnReader(path: path, meta: meta, maxDefinitionLevel: leaves[c].maxDefinitionLevel, rowGroup: g,
                                                           maxRepetitionLevel: leaves[c].maxRepetitionLevel).readLevels(from: h)
        let name = leaves[c].path.joined(separator: ".")
        guard repetition.first ?? 0 == 0 else { throw FileError(path, "row group \(g), column \(name): the first value continues a row (corrupt repetition levels)") }
        var rows: [[ParquetValue]] = []
        rows.reserveCapacity(Int(metadata.rowGroups[g].numRows))
        for (k, v) in values.enumerated() {
            if repetition[k] == 0 { rows.append([]) }
            if let v { rows[rows.count - 1].append(v) }
        }
        guard rows.count == Int(metadata.rowGroups[g].numRows) else {
            throw FileError(path, "row group \(g), column \(name): \(rows.count) lists for the row group's \(metadata.rowGroups[g].numRows) rows")
        }
        return rows
    }

    /// Columns that do not become metadata, with why: nested and list columns, and types Winnow does not convert.
    func skippedColumns(except used: Set<String>) -> [(name: String, why: String)] {
        var out: [(String, String)] = []
        var nested = Set<String>()
        for leaf in leaves where !used.contains(leaf.name) {
            if !leaf.isFlat {
                if nested.insert(leaf.path[0]).inserted { out.append((leaf.path[0], leaf.maxRepetitionLevel > 0 ? "a list or map column" : "a nested column")) }
            } else if case .unsupported(let t) = leaf.kind {
                out.append((leaf.name, "type \(t)"))
            }
        }
        return out
    }
}

/// `format: "parquet"`: Parquet files as the Hugging Face Hub ships them. A partition is a run of consecutive row
/// groups; a document's `line` is its row number in the file (1-based). The text column (`text_field`) must be a
/// string column; the id column (`id_field`) may be a string or an integer column (absent or null: the id is
/// `<source>:<input>:<row>`). Every other top-level column becomes a metadata key: strings, integers, floats,
/// booleans, and timestamps and dates as ISO 8601 strings; binary columns as text. Nested, list and map columns, and
/// decimals, are not kept; the run log names them.
enum ParquetSource {
    /// A partition's row groups: `first ..< first + count`, the 1-based number of its first row, its bytes on disk.
    struct Range { let first: Int; let count: Int; let firstRow: Int; let bytes: Int64 }

    /// Consecutive row groups gathered until a range holds `chunk` compressed bytes.
    static func ranges(_ file: ParquetFile, chunk: Int64) -> [Range] {
        var out: [Range] = []
        var first = 0, row = 1, bytes: Int64 = 0, startRow = 1
        for (g, group) in file.metadata.rowGroups.enumerated() {
            let size = group.columns.reduce(Int64(0)) { $0 + $1.totalCompressedSize }
            if g > first, bytes + size > chunk {
                out.append(Range(first: first, count: g - first, firstRow: startRow, bytes: bytes))
                first = g; bytes = 0; startRow = row
            }
            bytes += size
            row += Int(group.numRows)
        }
        if first < file.metadata.rowGroups.count || out.isEmpty {
            out.append(Range(first: first, count: file.metadata.rowGroups.count - first, firstRow: startRow, bytes: bytes))
        }
        return out
    }

    /// Reads the partition's row groups (all of the file's when `length` is nil) into documents.
    static func read(partition: Partition, source: SourceSpec, displayPath: String, onBytes: ((Int) -> Void)?,
                     _ body: (InputItem) throws -> Void) throws {
        let file = try ParquetFile(path: partition.path)
        guard let textColumn = file.column(source.textField) else {
            let names = file.leaves.map(\.name).joined(separator: ", ")
            throw FileError(partition.path, "has no top-level column \"\(source.textField)\" (its columns: \(names)); set the source's text_field")
        }
        switch file.leaves[textColumn].kind {
        case .string, .binary: break
        default: throw FileError(partition.path, "column \"\(source.textField)\" holds \(file.leaves[textColumn].type) values, not text; set the source's text_field")
        }
        var idColumn = file.column(source.idField)
        if let c = idColumn {
            switch file.leaves[c].kind {
            case .string, .binary, .integer: break
            default: idColumn = nil
            }
        }
        let metaColumns = file.leaves.indices.filter { c in
            guard c != textColumn, c != idColumn, file.leaves[c].isFlat else { return false }
            if case .unsupported = file.leaves[c].kind { return false }
            return true
        }
        let keys: [[UInt8]] = metaColumns.map { c in
            var k: [UInt8] = []
            JSONEscape.appendQuoted(file.leaves[c].name, to: &k)
            k.append(UInt8(ascii: ":"))
            return k
        }
        guard let h = FileHandle(forReadingAtPath: partition.path) else { throw FileError(partition.path, "cannot open") }
        defer { try? h.close() }
        let groups = partition.length.map { Int(partition.offset) ..< Int(partition.offset + $0) } ?? 0 ..< file.metadata.rowGroups.count
        var row = partition.firstLine
        var metadata: [UInt8] = []
        for g in groups {
            let rows = Int(file.metadata.rowGroups[g].numRows)
            let texts: [ParquetValue?], ids: [ParquetValue?]?, meta: [[ParquetValue?]]
            do {
                texts = try file.read(rowGroup: g, column: textColumn, from: h)
                ids = try idColumn.map { try file.read(rowGroup: g, column: $0, from: h) }
                meta = try metaColumns.map { try file.read(rowGroup: g, column: $0, from: h) }
            } catch let e as FileError {
                // This row group is lost; the next ones may still read (a corrupt page damages one column chunk).
                try body(.bad(line: row, reason: "unreadable_input", message: "\(displayPath): \(e.message); the row group's \(rows) row(s) were not read"))
                row += rows
                continue
            }
            onBytes?(Int(file.metadata.rowGroups[g].columns.reduce(Int64(0)) { $0 + $1.totalCompressedSize }))
            for k in 0..<rows {
                defer { row += 1 }
                guard case .bytes(let t)? = texts[k] else {
                    try body(.bad(line: row, reason: "null_text", message: "row \(row): column \"\(source.textField)\" is null"))
                    continue
                }
                guard let text = String(validating: t, as: UTF8.self) else {
                    let at = t.withUnsafeBufferPointer { UTF8Validation.firstInvalidOffset($0) } ?? 0
                    try body(.bad(line: row, reason: "invalid_utf8", message: "row \(row): column \"\(source.textField)\" has invalid UTF-8 at byte \(at)"))
                    continue
                }
                let id: String
                switch ids?[k] {
                case .bytes(let b)?: id = String(decoding: b, as: UTF8.self)
                case .int(let i)?: id = String(i)
                default: id = "\(source.name):\(displayPath):\(row)"
                }
                metadata.removeAll(keepingCapacity: true)
                if !metaColumns.isEmpty {
                    metadata.append(UInt8(ascii: "{"))
                    for (m, c) in metaColumns.enumerated() {
                        if m > 0 { metadata.append(UInt8(ascii: ",")) }
                        metadata += keys[m]
                        appendJSON(meta[m][k], kind: file.leaves[c].kind, to: &metadata)
                    }
                    metadata.append(UInt8(ascii: "}"))
                }
                try body(.document(Document(id: id, text: text, source: source.name, metadata: metadata), line: row))
            }
        }
    }

    /// One value as JSON: numbers as written (integers exactly), timestamps and dates as ISO 8601 strings.
    static func appendJSON(_ v: ParquetValue?, kind: ParquetValueKind, to out: inout [UInt8]) {
        switch (v, kind) {
        case (nil, _): out += Array("null".utf8)
        case (.bytes(let b)?, _): JSONEscape.appendQuoted(String(decoding: b, as: UTF8.self), to: &out)
        case (.bool(let b)?, _): out += Array((b ? "true" : "false").utf8)
        case (.double(let d)?, _): out += Array((d.isFinite ? "\(d)" : "null").utf8)
        case (.int(let i)?, .timestamp(let perSecond)): JSONEscape.appendQuoted(iso8601(i, perSecond: perSecond), to: &out)
        case (.int(let i)?, .int96Timestamp): JSONEscape.appendQuoted(iso8601(i, perSecond: 1_000_000_000), to: &out)
        case (.int(let i)?, .date): JSONEscape.appendQuoted(String(iso8601(i &* 86_400, perSecond: 1).prefix(10)), to: &out)
        case (.int(let i)?, _): out += Array(String(i).utf8)
        }
    }

    /// `2024-03-01T12:34:56Z`, with as many fractional digits as the unit has when the fraction is not zero.
    static func iso8601(_ value: Int64, perSecond: Int64) -> String {
        var seconds = value / perSecond, fraction = value % perSecond
        if fraction < 0 { fraction += perSecond; seconds -= 1 }
        var days = seconds / 86_400, rem = seconds % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, d) = CronSchedule.civilFromDays(Int(days))
        var s = String(format: "%04ld-%02ld-%02ldT%02lld:%02lld:%02lld", y, m, d, rem / 3600, rem % 3600 / 60, rem % 60)
        if fraction != 0 {
            let digits = String(perSecond).count - 1
            s += "." + String(String(fraction).reversed()).padding(toLength: digits, withPad: "0", startingAt: 0).reversed()
        }
        return s + "Z"
    }
}
