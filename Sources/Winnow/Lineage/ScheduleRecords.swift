import Foundation

/// The scheduler's state in a pipeline's lineage file: its heartbeat and last fire time (`schedule_state`), what it
/// decided (`schedule_events`), and the last scheduled run, to resume one a stop interrupted.
enum ScheduleRecords {
    static func insertEvent(_ db: SQLiteDatabase, pipeline: String, at: String, _ event: String, scheduledFor: String? = nil,
                            runID: String? = nil, detail: String? = nil) throws {
        try db.run("INSERT INTO schedule_events (pipeline, at, event, scheduled_for, run_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
                   [.text(pipeline), .text(at), .text(event), scheduledFor.map { .text($0) } ?? .null, runID.map { .text($0) } ?? .null,
                    detail.map { .text($0) } ?? .null])
    }

    /// The detail of the pipeline's newest `spec_invalid` event.
    static func lastInvalidSpecDetail(_ db: SQLiteDatabase, pipeline: String) throws -> String? {
        try db.query("SELECT detail FROM schedule_events WHERE pipeline = ? AND event = 'spec_invalid' ORDER BY rowid DESC LIMIT 1",
                     [.text(pipeline)]).rows.first?.first?.text
    }

    /// The pipeline's newest scheduled run: id, status and the fire time it was for.
    static func lastScheduledRun(_ db: SQLiteDatabase, pipeline: String) throws -> (runID: String, status: String, scheduledFor: String?)? {
        guard let r = try db.query("SELECT run_id, status, scheduled_for FROM runs WHERE pipeline = ? AND trigger = 'schedule' ORDER BY started_at DESC, rowid DESC LIMIT 1",
                                   [.text(pipeline)]).rows.first else { return nil }
        return (r[0].text ?? "", r[1].text ?? "", r[2].text)
    }

    /// Records a look at the clock (`last_checked` never moves back, as two schedulers may look at once) and
    /// returns the previous one.
    static func checkIn(_ db: SQLiteDatabase, pipeline: String, specPath: String, cron: String, timeZone: String, at: String) throws -> String? {
        let previous = try db.query("SELECT last_checked FROM schedule_state WHERE pipeline = ?", [.text(pipeline)]).rows.first?.first?.text
        try db.run("""
            INSERT INTO schedule_state (pipeline, spec_path, cron, timezone, last_checked) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (pipeline) DO UPDATE SET spec_path = excluded.spec_path, cron = excluded.cron, timezone = excluded.timezone,
              last_checked = max(last_checked, excluded.last_checked)
            """, [.text(pipeline), .text(specPath), .text(cron), .text(timeZone), .text(at)])
        return previous
    }

    static func markFired(_ db: SQLiteDatabase, pipeline: String, scheduledFor: String) throws {
        try db.run("UPDATE schedule_state SET last_fired_for = ? WHERE pipeline = ?", [.text(scheduledFor), .text(pipeline)])
    }
}
