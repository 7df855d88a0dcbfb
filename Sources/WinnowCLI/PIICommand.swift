import ArgumentParser
import Foundation
import Winnow

struct PIICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pii", abstract: "Personal-data tools.", subcommands: [Scan.self])

    struct Scan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Audit a JSONL file: one JSON line per document, {\"id\": …, \"spans\": [{\"start\", \"end\", \"kind\"}]}, offsets in Unicode scalars (end exclusive); no values unless --show-values.")

        @Argument(help: "A JSONL file (.gz/.zst too).") var input: String
        @Option(help: "The field holding the text.") var textField = "text"
        @Option(help: "The field holding the id.") var idField = "id"
        @Option(help: "Comma-separated kinds (default: all).") var kinds: String?
        @Flag(name: .customLong("keep-private-ips"), help: "Leave private, loopback and documentation IP ranges alone (default: flag them).") var keepPrivateIPs = false
        @Flag(help: "Also print each found value (careful: this prints the personal data; default: offsets and kinds only).") var showValues = false

        func run() throws {
            let wanted = kinds.map { Set($0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }) }
            if let wanted, let unknown = wanted.first(where: { !PIIScrubber.kindNames.contains($0) }) {
                throw ValidationError("unknown kind \"\(unknown)\"; known: \(PIIScrubber.kindNames.joined(separator: ", "))")
            }
            let scanner = PIIScrubber.scanner(kinds: wanted, keepPrivateIPs: keepPrivateIPs)
            // The pipeline's own line parser: duplicate keys (last wins), a byte-order mark and bad lines read as a run reads them.
            try JSONLTexts.forEachDocument(input, textField: textField, idField: idField) { line, item in
                guard case .document(let id, let idIsNumber, let text, _) = item else {
                    if case .bad(let reason, let message) = item {
                        FileHandle.standardError.write(Data("\(input):\(line): \(reason) (\(message)); skipped\n".utf8))
                    }
                    return
                }
                let scalars = Array(text.unicodeScalars)
                let spans: [JSONValue] = scanner.scalarSpans(text).map { s in
                    var o: [(String, JSONValue)] = [("start", .number(Double(s.start))), ("end", .number(Double(s.end))), ("kind", .string(s.kind))]
                    if showValues { o.append(("value", .string(String(String.UnicodeScalarView(scalars[s.start..<s.end]))))) }
                    return .object(JSONObject(o))
                }
                // A numeric id is printed as it was written (a Double would round ids past 2^53).
                let idJSON = idIsNumber ? id! : JSONWriter.compact(id.map { .string($0) } ?? .null)
                print("{\"id\":\(idJSON),\"spans\":\(JSONWriter.compact(.array(spans)))}")
            }
        }
    }
}
