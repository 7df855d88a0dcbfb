import ArgumentParser
import Foundation
import Winnow

struct RemixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remix",
        abstract: "Re-mix a finished run's cleaned output: new weights, total_tokens, curriculum or tokenizer, without cleaning again.",
        discussion: """
        Takes the spec of the newest finished run that wrote OUTPUT_DIR (as lineage recorded it), applies the mixture \
        file, and runs only the token phase over that run's cleaned shards: tokenizer, encoding, mixture, curriculum, \
        token shards. It refuses, saying why, when the inputs changed since or the shards are not the bytes that run \
        wrote. The new run is recorded in lineage like any other (runs.cleaning_run_id names the run it kept the \
        cleaning of), and its spec — the remixed one — in runs.spec_json.

        A mixture file sets only what the token phase reads, shaped as in a spec; null removes a key:
          {"sources": {"web": {"weight": 3}, "books": {"weight": 1, "max_epochs": 4}},
           "mixture": {"on_shortfall": "shrink"}, "curriculum": null, "output": {"total_tokens": 2000000}}
        Allowed: sources.<name>.weight and .max_epochs; mixture; curriculum; tokenizer; output.total_tokens, \
        output.shard_tokens, output.val_fraction.

        `winnow run SPEC` does the same by itself when only those keys changed (--reclean to clean again).
        Exit codes as `winnow run`.
        """)

    @Argument(help: "The output folder of a finished run (its output.dir).") var outputDir: String
    @Option(help: "The mixture file: JSON with the keys to change (see above).") var mixture: String
    @Option(help: "Lineage database (default: OUTPUT_DIR/lineage.db).") var db: String?
    @Option(help: "Worker threads (default: all cores).") var workers: Int?
    @Flag(help: "Do not record one lineage row per document (runs, counts and shards are still recorded).") var noLineage = false
    @Flag(help: "Print the remixed spec (canonical JSON) and stop (default: run it).") var printSpec = false
    @Flag(help: "No progress line.") var quiet = false

    func run() throws {
        let lineage = db ?? (outputDir as NSString).appendingPathComponent(PipelineSpec.Defaults.lineageFile)
        let pipeline: Pipeline
        do {
            let recorded = try Remix.recordedSpec(lineage: lineage, outputDir: outputDir)
            let spec = try Remix.apply(try Remix.readMixtureFile(mixture), file: mixture, to: recorded.spec)
            if printSpec { print(JSONWriter.pretty(spec)); return }
            pipeline = try PipelineLoader.load(json: spec, specPath: recorded.specPath)
        } catch let e as LineageError {
            throw fail(e.description)
        } catch let e as SpecValidationError {
            warn(e.description)
            throw ExitCode(2)
        }
        var options = try runOptions(workers: workers, noLineage: noLineage)
        options.requireReuse = true
        try execute(pipeline, options, quiet: quiet)
    }
}
