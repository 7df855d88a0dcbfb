import Foundation

/// The opening of documents named in lineage (source, input, line), read back from the run's inputs for the
/// report's examples: the first 300 characters with personal data replaced by its kind (`<EMAIL>`, `<PHONE>`, …)
/// whatever the pipeline did, and a bad line's raw bytes shown escaped. An input that is gone or changed gives
/// no excerpt, and the report says so.
struct DocumentExcerpts {
    struct Place: Hashable { let source: String; let input: String; let line: Int }

    let specDir: String
    let sources: [String: SourceSpec]
    let scrubber = PIIScrubber.scanner()
    static let characters = 300

    init(specJSON: String, specPath: String) {
        specDir = (specPath as NSString).deletingLastPathComponent
        var byName: [String: SourceSpec] = [:]
        if let json = try? JSONParser.parse(Array(specJSON.utf8)), case .array(let list)? = json["sources"] {
            for s in list {
                let data = Data(JSONWriter.compact(s).utf8)
                if let spec = try? JSONDecoder().decode(SourceSpec.self, from: data) { byName[spec.name] = spec }
            }
        }
        sources = byName
    }

    func path(of input: String) -> String { input.hasPrefix("/") ? input : (specDir as NSString).appendingPathComponent(input) }

    /// The first 300 characters of each document found, personal data replaced.
    func texts(_ places: [Place]) -> [Place: String] {
        var found: [Place: String] = [:]
        for group in Dictionary(grouping: places, by: { "\($0.source)\u{0}\($0.input)" }).values {
            guard let first = group.first, let source = sources[first.source] else { continue }
            let lines = Set(group.map(\.line))
            let file = path(of: first.input)
            guard FileManager.default.fileExists(atPath: file) else { continue }
            let part = Partition(index: 0, sourceIndex: 0, path: file, input: first.input, offset: 0, length: nil, firstLine: 1, diskBytes: 0)
            var left = lines.count
            struct Enough: Error {}
            do {
                try InputReader(partition: part, source: source, displayPath: first.input, maxLineBytes: 1 << 30).read { item in
                    guard case .document(let doc, let line) = item, lines.contains(line) else { return }
                    found[Place(source: first.source, input: first.input, line: line)] = opening(doc.text)
                    left -= 1
                    if left == 0 { throw Enough() }
                }
            } catch {}
        }
        return found
    }

    /// A bad line's first bytes, escaped (line formats only: a JSONL or text input).
    func rawLines(_ places: [Place]) -> [Place: String] {
        var found: [Place: String] = [:]
        for group in Dictionary(grouping: places, by: { "\($0.source)\u{0}\($0.input)" }).values {
            guard let first = group.first, let source = sources[first.source], [.jsonl, .text].contains(source.format) else { continue }
            let lines = Set(group.map(\.line))
            let file = path(of: first.input)
            guard FileManager.default.fileExists(atPath: file), let src = try? openByteSource(path: file, offset: 0, length: nil, onBytes: nil) else { continue }
            var n = 0, left = lines.count
            try? LineReader(source: src, maxLineBytes: 1 << 30).forEachLine { item in
                n += 1
                guard lines.contains(n) else { return true }
                let bytes: [UInt8]
                switch item {
                case .text(let b): bytes = Array(b.prefix(600))
                case .tooLong(let count): bytes = Array("(a line of \(count) bytes, over the reader's limit)".utf8)
                }
                found[Place(source: first.source, input: first.input, line: n)] = String(scrub(Escape.bytes(bytes)).prefix(Self.characters))
                left -= 1
                return left > 0
            }
        }
        return found
    }

    /// The first 300 characters, personal data replaced (scanned a little past the cut, so a finding across it
    /// is still replaced).
    func opening(_ text: String) -> String {
        String(scrub(String(text.prefix(Self.characters + 80))).prefix(Self.characters))
    }

    func scrub(_ text: String) -> String {
        let spans = scrubber.spans(text)
        guard !spans.isEmpty else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var at = 0
        for s in spans {
            out += bytes[at..<s.start]
            out += Array("<\(s.kind.uppercased())>".utf8)
            at = s.end
        }
        out += bytes[at...]
        return String(decoding: out, as: UTF8.self)
    }
}
