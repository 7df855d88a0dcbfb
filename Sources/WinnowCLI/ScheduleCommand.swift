import ArgumentParser
import Foundation
import Winnow

struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Run the pipelines whose specs have a \"schedule\", at their fire times (spec files, or folders of them).",
        discussion: """
            Long-running by default: re-reads changed specs, never runs a pipeline twice at once, applies catch_up \
            after downtime, stops cleanly on SIGTERM/SIGINT (a running pipeline stops at a document boundary and the \
            next start resumes it). --once runs what is due and exits (for cron or a systemd timer).
            """)

    @Argument(help: "Spec files or folders of them (*.json; specs without a schedule are ignored).") var paths: [String]
    @Flag(help: "Run what is due now and exit (exit status 1 if a run failed).") var once = false
    @Flag(help: "Print each pipeline's next fire times and exit.") var dryRun = false
    @Option(help: "With --dry-run: list fire times after this ISO 8601 time (default: now).") var from: String?
    @Option(help: "With --dry-run: how many fire times per pipeline.") var count = 5
    @Flag(help: "Print a systemd service and timer that run `winnow schedule --once` on these paths every minute.") var printSystemd = false
    @Option(help: "With --once: act as if it were this ISO 8601 time, to test a schedule or replay a missed night (default: the clock).") var now: String?
    @Option(help: "Worker threads of each run (default: all cores).") var workers: Int?
    @Option(help: "Runs of different pipelines at once.") var jobs = 1
    @Option(help: "A fire time looked at within this many seconds is on time; older ones were missed (catch_up decides).") var grace: Double = 600
    @Option(help: "Seconds between looks at the spec files.") var poll: Double = 5
    @Flag(name: .customLong("continue"), help: "Incremental pipelines: a changed spec adds a version to the current series.") var continueSeries = false
    @Flag(help: "Runs record no per-document lineage rows.") var noLineage = false

    func validate() throws {
        if from != nil && !dryRun { throw ValidationError("--from goes with --dry-run") }
        if now != nil && !once { throw ValidationError("--now goes with --once") }
        if [once, dryRun, printSystemd].filter({ $0 }).count > 1 { throw ValidationError("give one of --once, --dry-run, --print-systemd") }
        if count < 1 { throw ValidationError("--count must be at least 1") }
    }

    static func parseTime(_ s: String, _ flag: String) throws -> Date {
        let f = ISO8601DateFormatter()
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return d }
        throw ValidationError("\(flag) \(s): not an ISO 8601 time with a UTC offset (e.g. 2026-12-03T03:00:00-03:00)")
    }

    func run() throws {
        if printSystemd { print(systemdUnits()); return }
        var o = SchedulerOptions()
        if let workers { o.workers = workers }
        o.jobs = jobs; o.grace = grace; o.poll = poll; o.continueSeries = continueSeries; o.recordDocuments = !noLineage
        let clock: SchedulerClock = try now.map { ManualClock(try Self.parseTime($0, "--now")) } ?? SystemClock()
        let scheduler = Scheduler(paths: paths, options: o, clock: clock, log: { warn($0) })
        if dryRun {
            scheduler.readOnly = true
            scheduler.reload()
            let start = try from.map { try Self.parseTime($0, "--from") } ?? Date()
            let pipelines = scheduler.pipelines
            let invalid = scheduler.invalidSpecs
            for s in invalid { print("invalid \(s.file): \(s.error)") }
            if pipelines.isEmpty {
                throw fail("no spec under \(paths.joined(separator: ", ")) has a schedule\(invalid.isEmpty ? "" : " that loads; \(invalid.count) spec file(s) cannot be read as specs (above)")")
            }
            for w in pipelines {
                var t = start
                for _ in 0..<count {
                    guard let n = w.cron.next(after: t) else { print("\(w.name) never"); break }
                    print("\(w.name) \(w.cron.localISO(n))")
                    t = n
                }
            }
            if !invalid.isEmpty { throw fail("\(invalid.count) spec file(s) under \(paths.joined(separator: ", ")) cannot be read as specs (listed above as \"invalid\")") }
            return
        }
        SignalStop.install { scheduler.stop() }
        if once {
            scheduler.runOnce()
            if scheduler.failures > 0 || !scheduler.invalidSpecs.isEmpty { throw ExitCode(1) }
        } else {
            scheduler.runForever()
        }
    }

    func systemdUnits() -> String {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let binary = exe.hasPrefix("/") ? exe : FileManager.default.currentDirectoryPath + "/" + exe
        let cwd = FileManager.default.currentDirectoryPath
        let targets = paths.map { $0.hasPrefix("/") ? $0 : (cwd as NSString).appendingPathComponent($0) }.map { ($0 as NSString).standardizingPath }
        return """
        # /etc/systemd/system/winnow-schedule.service — runs what is due, then exits (the timer starts it every minute;
        # systemd never starts it while it is still running, and winnow's own locks keep pipelines from overlapping)
        [Unit]
        Description=Winnow: run the scheduled pipelines in \(targets.joined(separator: " ")) that are due
        After=network-online.target

        [Service]
        Type=oneshot
        WorkingDirectory=\(cwd)
        ExecStart=\(binary) schedule --once \(targets.joined(separator: " "))
        # SIGTERM stops a running pipeline at a document boundary; the next start resumes it.
        KillSignal=SIGTERM
        TimeoutStopSec=5min
        Nice=10

        # /etc/systemd/system/winnow-schedule.timer — enable with: systemctl enable --now winnow-schedule.timer
        [Unit]
        Description=Look at Winnow's pipeline schedules every minute

        [Timer]
        OnCalendar=*-*-* *:*:00
        AccuracySec=1s
        Persistent=true

        [Install]
        WantedBy=timers.target
        """
    }
}
