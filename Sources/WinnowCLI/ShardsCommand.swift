import ArgumentParser
import Foundation
import Winnow

struct ShardsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "shards", abstract: "Check a run's output.", subcommands: [Inspect.self])

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every shard the manifest in DIR lists (sizes, SHA-256, llm.c headers, Megatron indexes, end-of-text tokens, ids, counts), print the counts and decode a sample; exit 1 on any problem.")

        @Argument(help: "A run's output folder (holding manifest.json).") var dir: String

        func run() throws {
            let report = try ShardInspector(dir: dir).inspect()
            for l in report.lines { print(l) }
            if let s = report.sample {
                let clipped = s.count > 300 ? String(s.prefix(300)) + "…" : s
                print("sample (first document of the first token shard, decoded):\n  " + clipped.replacingOccurrences(of: "\n", with: "\n  "))
            }
            if report.problems.isEmpty { print("ok: every check passed") } else {
                for p in report.problems { warn("problem: " + p) }
                throw ExitCode(1)
            }
        }
    }
}
