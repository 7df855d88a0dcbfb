import Foundation
import XCTest
@testable import Winnow

/// Every flag of every command has a help line, and every option that takes a value says its default (issue 17,
/// item 10): read from `--help` as a user reads it.
final class HelpTests: XCTestCase {
    static let commands = ["validate", "run", "lineage query", "lineage prune", "explain", "mixture", "runs", "schedule", "train", "sample", "ablate",
                           "pii scan", "tokenizer train", "tokenizer encode", "tokenizer decode", "shards inspect", "schema", "bench encode", "report"]

    /// (signature, help text) of each entry under OPTIONS:, continuation lines joined.
    static func options(_ help: String) -> [(String, String)] {
        var out: [(String, String)] = []
        var inOptions = false
        for line in help.components(separatedBy: "\n") {
            if line.hasPrefix("OPTIONS:") { inOptions = true; continue }
            guard inOptions else { continue }
            if line.hasPrefix("  -") {
                // The signature: option names ("-o," "--output") and value placeholders ("<output>"); then the help.
                var words = line.dropFirst(2).split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                var signature: [String] = []
                while let w = words.first, w.hasPrefix("-") || (w.hasPrefix("<") && (w.hasSuffix(">") || w.hasSuffix(">,"))) {
                    signature.append(w); words.removeFirst()
                }
                out.append((signature.joined(separator: " "), words.joined(separator: " ")))
            } else if line.hasPrefix("    "), !out.isEmpty {
                out[out.count - 1].1 += " " + line.trimmingCharacters(in: .whitespaces)
            } else if !line.hasPrefix(" ") && !line.isEmpty {
                inOptions = false
            }
        }
        return out.filter { !$0.0.hasPrefix("--version") && !$0.0.hasPrefix("-h, --help") }
    }

    func testEveryFlagHasHelpAndEveryValueItsDefault() throws {
        var problems: [String] = []
        for command in Self.commands {
            let r = try CLI.run(command.split(separator: " ").map(String.init) + ["--help"])
            XCTAssertEqual(r.status, 0, command)
            let opts = Self.options(r.stdout)
            XCTAssertFalse(opts.isEmpty && !["tokenizer decode", "shards inspect", "bench encode", "schema", "validate", "explain"].contains(command), "\(command): no options read")
            for (signature, help) in opts {
                if help.isEmpty { problems.append("\(command) \(signature): no help line") }
                else if signature.contains("<") && !help.lowercased().contains("default") { problems.append("\(command) \(signature): no default stated") }
            }
        }
        XCTAssertEqual(problems, [], problems.joined(separator: "\n"))
    }

    /// Names come out as users spell them: --keep-private-ips (not --keep-private-i-ps), sample's budget is
    /// --max-new-tokens (train's --max-tokens is another thing), and "(default: …)" is said once.
    func testFlagNamesAndSingleDefaults() throws {
        let pii = try CLI.run(["pii", "scan", "--help"]).stdout
        XCTAssertTrue(pii.contains("--keep-private-ips"), pii)
        XCTAssertFalse(pii.contains("i-ps"), pii)
        XCTAssertTrue(try CLI.run(["sample", "--help"]).stdout.contains("--max-new-tokens, --max-tokens"))
        for command in Self.commands {
            let help = try CLI.run(command.split(separator: " ").map(String.init) + ["--help"]).stdout
            for (signature, text) in Self.options(help) where text.components(separatedBy: "(default:").count > 2 {
                XCTFail("\(command) \(signature): the default is said twice: \(text)")
            }
        }
    }
}
