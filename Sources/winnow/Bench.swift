import ArgumentParser
import Foundation
import Winnow

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measurement helpers used by bench/.", subcommands: [Floor.self])

    struct Floor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read and parse every JSONL line of FILES (decompressing .gz/.zst) and nothing else; print one JSON line.")

        @Argument(help: "JSONL files.") var files: [String]
        @Option(help: "Worker threads (files are shared out).") var workers = 1

        func run() throws {
            let r = try ReadFloor.measure(paths: files, workers: workers)
            print(#"{"what": "read+parse floor", "workers": \#(workers), "documents": \#(r.documents), "bad_lines": \#(r.badLines), "bytes_on_disk": \#(r.bytesRead), "seconds": \#(String(format: "%.3f", r.seconds)), "docs_per_s": \#(String(format: "%.0f", Double(r.documents) / r.seconds))}"#)
        }
    }
}
