import Foundation

/// HTML escaping for the report: every string from a spec, a document, a source name, a reason or a path goes
/// through `html` before it reaches the page (text and attribute values alike).
public enum Escape {
    public static func html(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Raw bytes of an input line shown as text: valid UTF-8 as it is, control characters and invalid bytes as
    /// `\xNN` (so a bad line's bytes are visible, never interpreted). Not HTML-escaped yet.
    public static func bytes(_ b: [UInt8]) -> String {
        var out = ""
        var i = 0
        while i < b.count {
            let c = b[i]
            let n = c < 0x80 ? 1 : c >> 5 == 0x6 ? 2 : c >> 4 == 0xE ? 3 : c >> 3 == 0x1E ? 4 : 0
            if n == 1 {
                if c == 0x09 || (c >= 0x20 && c != 0x7F) { out.unicodeScalars.append(Unicode.Scalar(c)) } else { out += String(format: "\\x%02X", c) }
                i += 1; continue
            }
            if n > 1, i + n <= b.count, (1..<n).allSatisfy({ b[i + $0] & 0xC0 == 0x80 }),
               let s = String(validating: b[i..<(i + n)], as: UTF8.self) {
                out += s; i += n; continue
            }
            out += String(format: "\\x%02X", c); i += 1
        }
        return out
    }
}

/// Inline SVG charts for the report: text labels on every mark, colours from the page's CSS variables (so light
/// and dark mode both read), a viewBox that scales to the column's width.
enum Chart {
    static let width = 640.0
    /// Series colours: CSS classes c0…c7 (defined in the page's style for both colour schemes).
    static func color(_ i: Int) -> String { "c\(i % 8)" }

    static func fmt(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return Self.group(Int64(v)) }
        let a = abs(v)
        return a >= 100 ? String(format: "%.0f", v) : a >= 1 ? String(format: "%.2f", v) : String(format: "%.3f", v)
    }

    static func group(_ n: Int64) -> String {
        let s = String(abs(n))
        var out = ""
        for (i, ch) in s.enumerated() { if i > 0 && (s.count - i) % 3 == 0 { out += "," }; out.append(ch) }
        return n < 0 ? "-" + out : out
    }

    private static func svg(_ height: Double, _ title: String, _ body: String) -> String {
        "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(Escape.html(title))\"><title>\(Escape.html(title))</title>\(body)</svg>"
    }

    private static func text(_ x: Double, _ y: Double, _ s: String, anchor: String = "start", cls: String = "") -> String {
        "<text x=\"\(r(x))\" y=\"\(r(y))\" text-anchor=\"\(anchor)\"\(cls.isEmpty ? "" : " class=\"\(cls)\"")>\(Escape.html(s))</text>"
    }

    private static func r(_ v: Double) -> String { String(format: "%.1f", v) }

    /// Shortens a label to `n` characters (the full text stays in the table under the chart).
    static func clip(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }

    /// Horizontal bars: one row per item, each with up to a few series side by side (e.g. documents in and out).
    static func bars(title: String, rows: [(label: String, values: [Double])], series: [String], valueLabel: (Double) -> String = fmt) -> String {
        guard !rows.isEmpty else { return "" }
        let labelW = 170.0, barH = 14.0, gap = 8.0, top = series.count > 1 ? 26.0 : 8.0
        let rowH = Double(series.count) * barH + gap
        let maxV = max(rows.flatMap(\.values).max() ?? 1, 1e-12)
        let plotW = width - labelW - 80
        var b = ""
        if series.count > 1 {
            var x = labelW
            for (k, s) in series.enumerated() {
                b += "<rect x=\"\(r(x))\" y=\"6\" width=\"12\" height=\"12\" class=\"\(color(k))\"/>" + text(x + 16, 16, s)
                x += 24 + Double(s.count) * 7.5
            }
        }
        for (i, row) in rows.enumerated() {
            let y0 = top + Double(i) * rowH
            b += text(labelW - 6, y0 + Double(series.count) * barH / 2 + 4, clip(row.label, 24), anchor: "end")
            for (k, v) in row.values.enumerated() {
                let y = y0 + Double(k) * barH, w = max(0, v / maxV * plotW)
                b += "<rect x=\"\(r(labelW))\" y=\"\(r(y))\" width=\"\(r(w))\" height=\"\(r(barH - 2))\" class=\"\(color(k))\"/>"
                b += text(labelW + w + 4, y + barH - 4, valueLabel(v), cls: "small")
            }
        }
        return svg(top + Double(rows.count) * rowH + 4, title, b)
    }

    /// One bar per row split into segments (e.g. a shard's tokens by source), with a legend of the segments.
    static func stacked(title: String, rows: [(label: String, parts: [Double])], parts: [String], unit: String) -> String {
        guard !rows.isEmpty, !parts.isEmpty else { return "" }
        let labelW = 170.0, barH = 16.0, gap = 6.0
        let legendRows = Int(ceil(Double(parts.count) / 4))
        let top = Double(legendRows) * 18 + 8
        let maxV = max(rows.map { $0.parts.reduce(0, +) }.max() ?? 1, 1e-12)
        let plotW = width - labelW - 90
        var b = ""
        for (k, p) in parts.enumerated() {
            let x = labelW + Double(k % 4) * 115, y = 4 + Double(k / 4) * 18
            b += "<rect x=\"\(r(x))\" y=\"\(r(y))\" width=\"12\" height=\"12\" class=\"\(color(k))\"/>" + text(x + 16, y + 10, clip(p, 14))
        }
        for (i, row) in rows.enumerated() {
            let y = top + Double(i) * (barH + gap)
            b += text(labelW - 6, y + barH - 4, clip(row.label, 24), anchor: "end")
            var x = labelW
            for (k, v) in row.parts.enumerated() where v > 0 {
                let w = v / maxV * plotW
                b += "<rect x=\"\(r(x))\" y=\"\(r(y))\" width=\"\(r(w))\" height=\"\(r(barH))\" class=\"\(color(k))\"><title>\(Escape.html("\(parts[k]): \(fmt(v)) \(unit)"))</title></rect>"
                x += w
            }
            b += text(x + 4, y + barH - 4, fmt(row.parts.reduce(0, +)) + " " + unit, cls: "small")
        }
        return svg(top + Double(rows.count) * (barH + gap) + 4, title, b)
    }

    /// A histogram: bins as bars (kept and not kept stacked), threshold lines labelled with their step parameter.
    static func histogram(title: String, bins: [(lo: Double, hi: Double, kept: Double, other: Double)], thresholds: [(value: Double, label: String)], xLabel: String) -> String {
        guard let first = bins.first, let last = bins.last else { return "" }
        let left = 50.0, right = 16.0, top = 24.0, plotH = 150.0, bottom = 44.0
        let plotW = width - left - right
        // A threshold far outside the data (max_chars = 100,000 over documents of 2,000) is named, not drawn: it
        // would squash the bins into a corner.
        let dataSpan = max(last.hi - first.lo, 1e-12)
        let drawn = thresholds.filter { $0.value >= first.lo - dataSpan / 2 && $0.value <= last.hi + dataSpan / 2 }
        let offScale = thresholds.filter { t in !drawn.contains { $0.label == t.label && $0.value == t.value } }
        let lo = min(first.lo, drawn.map(\.value).min() ?? first.lo), hi = max(last.hi, drawn.map(\.value).max() ?? last.hi)
        let span = max(hi - lo, 1e-12)
        let maxC = max(bins.map { $0.kept + $0.other }.max() ?? 1, 1)
        func x(_ v: Double) -> Double { left + (v - lo) / span * plotW }
        func y(_ c: Double) -> Double { top + plotH - c / maxC * plotH }
        var b = "<line x1=\"\(r(left))\" y1=\"\(r(top + plotH))\" x2=\"\(r(left + plotW))\" y2=\"\(r(top + plotH))\" class=\"axis\"/>"
        b += "<rect x=\"\(r(left))\" y=\"4\" width=\"12\" height=\"12\" class=\"c0\"/>" + text(left + 16, 14, "kept")
        b += "<rect x=\"\(r(left + 70))\" y=\"4\" width=\"12\" height=\"12\" class=\"c1\"/>" + text(left + 86, 14, "dropped or bad")
        for bin in bins {
            let x0 = x(bin.lo), w = max(1, x(bin.hi) - x0 - 1)
            if bin.kept > 0 { b += "<rect x=\"\(r(x0))\" y=\"\(r(y(bin.kept)))\" width=\"\(r(w))\" height=\"\(r(top + plotH - y(bin.kept)))\" class=\"c0\"/>" }
            if bin.other > 0 {
                b += "<rect x=\"\(r(x0))\" y=\"\(r(y(bin.kept + bin.other)))\" width=\"\(r(w))\" height=\"\(r(y(bin.kept) - y(bin.kept + bin.other)))\" class=\"c1\"/>"
            }
        }
        b += text(left - 4, top + 4, fmt(maxC), anchor: "end", cls: "small") + text(left - 4, top + plotH, "0", anchor: "end", cls: "small")
        b += text(left, top + plotH + 14, fmt(lo), cls: "small") + text(left + plotW, top + plotH + 14, fmt(hi), anchor: "end", cls: "small")
        b += text(left + plotW / 2, top + plotH + 34, xLabel, anchor: "middle")
        if !offScale.isEmpty {
            b += text(left + plotW, 14, "off the scale: " + offScale.map { "\($0.label) = \(fmt($0.value))" }.joined(separator: ", "), anchor: "end", cls: "small mark")
        }
        for (k, t) in drawn.enumerated() {
            let tx = x(t.value)
            b += "<line x1=\"\(r(tx))\" y1=\"\(r(top - 4))\" x2=\"\(r(tx))\" y2=\"\(r(top + plotH))\" class=\"threshold\"/>"
            b += text(min(max(tx + 3, left), width - 150), top + 10 + Double(k) * 13, "\(t.label) = \(fmt(t.value))", cls: "small mark")
        }
        return svg(top + plotH + bottom, title, b)
    }

    /// Lines over a shared x axis (loss curves), with a legend; `dashed` series drawn dashed (validation).
    static func lines(title: String, series: [(name: String, points: [(Double, Double)], dashed: Bool)], xLabel: String, yLabel: String,
                      reference: (value: Double, label: String)? = nil) -> String {
        let all = series.flatMap(\.points)
        guard !all.isEmpty else { return "" }
        let legendRows = Int(ceil(Double(series.count) / 3))
        let left = 56.0, right = 16.0, top = Double(legendRows) * 18 + 12, plotH = 200.0, bottom = 44.0
        let plotW = width - left - right
        let xs = all.map(\.0), ys = all.map(\.1) + (reference.map { [$0.value] } ?? [])
        let x0 = xs.min()!, x1 = max(xs.max()!, x0 + 1), y0 = min(ys.min()!, 0), y1 = max(ys.max()!, y0 + 1e-9)
        func px(_ v: Double) -> Double { left + (v - x0) / (x1 - x0) * plotW }
        func py(_ v: Double) -> Double { top + plotH - (v - y0) / (y1 - y0) * plotH }
        var b = "<line x1=\"\(r(left))\" y1=\"\(r(top + plotH))\" x2=\"\(r(left + plotW))\" y2=\"\(r(top + plotH))\" class=\"axis\"/>"
        b += "<line x1=\"\(r(left))\" y1=\"\(r(top))\" x2=\"\(r(left))\" y2=\"\(r(top + plotH))\" class=\"axis\"/>"
        for (k, s) in series.enumerated() {
            let lx = left + Double(k % 3) * 190, ly = 4 + Double(k / 3) * 18
            b += "<line x1=\"\(r(lx))\" y1=\"\(r(ly + 6))\" x2=\"\(r(lx + 18))\" y2=\"\(r(ly + 6))\" class=\"stroke\(k % 8)\(s.dashed ? " dashed" : "")\"/>" + text(lx + 22, ly + 10, clip(s.name, 24))
            guard !s.points.isEmpty else { continue }
            let d = s.points.enumerated().map { (i, p) in "\(i == 0 ? "M" : "L")\(r(px(p.0))),\(r(py(p.1)))" }.joined()
            b += "<path d=\"\(d)\" class=\"stroke\(k % 8)\(s.dashed ? " dashed" : "")\"/>"
            if s.points.count == 1 { b += "<circle cx=\"\(r(px(s.points[0].0)))\" cy=\"\(r(py(s.points[0].1)))\" r=\"3\" class=\"\(color(k))\"/>" }
        }
        if let ref = reference {
            b += "<line x1=\"\(r(left))\" y1=\"\(r(py(ref.value)))\" x2=\"\(r(left + plotW))\" y2=\"\(r(py(ref.value)))\" class=\"threshold\"/>"
            b += text(left + plotW - 4, py(ref.value) - 4, "\(ref.label) = \(fmt(ref.value))", anchor: "end", cls: "small mark")
        }
        b += text(left - 4, top + 4, fmt(y1), anchor: "end", cls: "small") + text(left - 4, top + plotH, fmt(y0), anchor: "end", cls: "small")
        b += text(left, top + plotH + 14, fmt(x0), cls: "small") + text(left + plotW, top + plotH + 14, fmt(x1), anchor: "end", cls: "small")
        b += text(left + plotW / 2, top + plotH + 34, xLabel, anchor: "middle")
        b += "<text transform=\"translate(14 \(r(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(Escape.html(yLabel))</text>"
        return svg(top + plotH + bottom, title, b)
    }

    /// Points with labels (one per decoding setting), the frontier joined by a line, a horizontal reference line.
    static func scatter(title: String, points: [(label: String, x: Double, y: Double, frontier: Bool)], xLabel: String, yLabel: String,
                        reference: (value: Double, label: String)?) -> String {
        guard !points.isEmpty else { return "" }
        let left = 56.0, right = 24.0, top = 28.0, plotH = 260.0, bottom = 44.0
        let plotW = width - left - right
        let ys = points.map(\.y) + (reference.map { [$0.value] } ?? [])
        let xMin = points.map(\.x).min()!, xMax = points.map(\.x).max()!
        let x0 = max(0, xMin - 0.05), x1 = max(xMax + 0.05, x0 + 0.1)
        let y0 = max(0, ys.min()! - 0.2), y1 = ys.max()! + 0.2
        func px(_ v: Double) -> Double { left + (v - x0) / (x1 - x0) * plotW }
        func py(_ v: Double) -> Double { top + plotH - (v - y0) / (y1 - y0) * plotH }
        var b = "<line x1=\"\(r(left))\" y1=\"\(r(top + plotH))\" x2=\"\(r(left + plotW))\" y2=\"\(r(top + plotH))\" class=\"axis\"/>"
        b += "<line x1=\"\(r(left))\" y1=\"\(r(top))\" x2=\"\(r(left))\" y2=\"\(r(top + plotH))\" class=\"axis\"/>"
        b += "<circle cx=\"\(r(left + 6))\" cy=\"10\" r=\"5\" class=\"c0\"/>" + text(left + 16, 14, "on the frontier")
        b += "<circle cx=\"\(r(left + 136))\" cy=\"10\" r=\"5\" class=\"c7\"/>" + text(left + 146, 14, "dominated")
        let front = points.filter(\.frontier).sorted { $0.x < $1.x }
        if front.count > 1 {
            b += "<path d=\"\(front.enumerated().map { (i, p) in "\(i == 0 ? "M" : "L")\(r(px(p.x))),\(r(py(p.y)))" }.joined())\" class=\"stroke0 frontier\"/>"
        }
        if let ref = reference {
            b += "<line x1=\"\(r(left))\" y1=\"\(r(py(ref.value)))\" x2=\"\(r(left + plotW))\" y2=\"\(r(py(ref.value)))\" class=\"threshold\"/>"
            b += text(left + plotW - 4, py(ref.value) - 4, "\(ref.label) = \(fmt(ref.value))", anchor: "end", cls: "small mark")
        }
        for p in points {
            b += "<circle cx=\"\(r(px(p.x)))\" cy=\"\(r(py(p.y)))\" r=\"5\" class=\"\(p.frontier ? "c0" : "c7")\"><title>\(Escape.html(p.label))</title></circle>"
            // The point's number only (its setting is in the legend below and the table): labels of close points would overlap.
            b += text(px(p.x) + 7, py(p.y) - 5, String(p.label.prefix { $0 != "." }), cls: "small")
        }
        b += text(left - 4, top + 4, fmt(y1), anchor: "end", cls: "small") + text(left - 4, top + plotH, fmt(y0), anchor: "end", cls: "small")
        b += text(left, top + plotH + 14, fmt(x0), cls: "small") + text(left + plotW, top + plotH + 14, fmt(x1), anchor: "end", cls: "small")
        b += text(left + plotW / 2, top + plotH + 34, xLabel, anchor: "middle")
        b += "<text transform=\"translate(14 \(r(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(Escape.html(yLabel))</text>"
        // Legend: number and setting, two columns.
        let legendTop = top + plotH + bottom + 4
        for (i, p) in points.enumerated() {
            b += text(left + Double(i % 2) * 290, legendTop + Double(i / 2) * 15 + 10, clip(p.label, 44), cls: "small")
        }
        return svg(legendTop + Double((points.count + 1) / 2) * 15 + 8, title, b)
    }

    /// A chart as an SVG file of its own: the namespace, a light background and the colours inline.
    static func standalone(_ chart: String) -> String {
        let style = "<style>svg { font: 12px system-ui, sans-serif; background: #ffffff; } text { fill: #1b1f24; } text.small { font-size: 10.5px; fill: #5b6570; } "
            + "text.mark { fill: #b3261e; } .axis { stroke: #5b6570; } .threshold { stroke: #b3261e; stroke-width: 1.5; stroke-dasharray: 5 3; } "
            + "path { fill: none; stroke-width: 2; } path.frontier { stroke-width: 1.5; stroke-dasharray: 2 2; } .c0 { fill: #2f6fd0; } .c7 { fill: #7a8591; } .stroke0 { stroke: #2f6fd0; }</style>"
        var svg = chart.replacingOccurrences(of: "<svg class=\"chart\" ", with: "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" ")
        if let first = svg.range(of: "<title>") {
            svg.insert(contentsOf: style + "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>", at: first.lowerBound)
        }
        return svg + "\n"
    }

    /// The page's style: light and dark colour schemes, charts that scale to the column, tables that scroll
    /// sideways on a phone instead of widening the page.
    static let css = """
    :root { --bg: #ffffff; --fg: #1b1f24; --muted: #5b6570; --line: #d0d7de; --panel: #f6f8fa; --mark: #b3261e;
      --c0: #2f6fd0; --c1: #e0803a; --c2: #2e9a5c; --c3: #a04fc7; --c4: #c7a21b; --c5: #1aa3b8; --c6: #d0467a; --c7: #7a8591; }
    @media (prefers-color-scheme: dark) {
      :root { --bg: #111418; --fg: #e6e9ed; --muted: #9aa4ae; --line: #39414a; --panel: #1b2027; --mark: #ff7b72;
        --c0: #6ea8ff; --c1: #ffa657; --c2: #56d364; --c3: #d2a8ff; --c4: #e3b341; --c5: #39c5cf; --c6: #ff7eb6; --c7: #8b949e; }
    }
    * { box-sizing: border-box; }
    body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
    main { max-width: 1100px; margin: 0 auto; padding: 16px; }
    h1 { font-size: 1.5rem; margin: 0.2em 0; overflow-wrap: anywhere; }
    h2 { font-size: 1.2rem; border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 2em; }
    h3 { font-size: 1rem; margin: 1.2em 0 0.4em; overflow-wrap: anywhere; }
    nav { display: flex; flex-wrap: wrap; gap: 6px 14px; font-size: 0.9rem; }
    a { color: var(--c0); }
    p, li { overflow-wrap: anywhere; }
    .muted { color: var(--muted); }
    .note { color: var(--muted); font-size: 0.9rem; }
    .scroll { overflow-x: auto; max-width: 100%; }
    table { border-collapse: collapse; font-size: 0.85rem; margin: 6px 0; }
    th, td { border: 1px solid var(--line); padding: 3px 7px; text-align: left; vertical-align: top; }
    td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    th { background: var(--panel); }
    figure { margin: 10px 0 18px; }
    figcaption { font-weight: 600; margin-bottom: 4px; overflow-wrap: anywhere; }
    svg.chart { width: 100%; max-width: 760px; height: auto; display: block; font-size: 12px; }
    svg text { fill: var(--fg); }
    svg text.small { font-size: 10.5px; fill: var(--muted); }
    svg text.mark { fill: var(--mark); }
    svg .axis { stroke: var(--muted); stroke-width: 1; }
    svg .threshold { stroke: var(--mark); stroke-width: 1.5; stroke-dasharray: 5 3; }
    svg path { fill: none; stroke-width: 2; }
    svg path.frontier { stroke-width: 1.5; stroke-dasharray: 2 2; }
    svg .dashed { stroke-dasharray: 6 3; }
    .c0 { fill: var(--c0); } .c1 { fill: var(--c1); } .c2 { fill: var(--c2); } .c3 { fill: var(--c3); }
    .c4 { fill: var(--c4); } .c5 { fill: var(--c5); } .c6 { fill: var(--c6); } .c7 { fill: var(--c7); }
    .stroke0 { stroke: var(--c0); } .stroke1 { stroke: var(--c1); } .stroke2 { stroke: var(--c2); } .stroke3 { stroke: var(--c3); }
    .stroke4 { stroke: var(--c4); } .stroke5 { stroke: var(--c5); } .stroke6 { stroke: var(--c6); } .stroke7 { stroke: var(--c7); }
    line.stroke0, line.stroke1, line.stroke2, line.stroke3, line.stroke4, line.stroke5, line.stroke6, line.stroke7 { stroke-width: 2; }
    details { margin: 4px 0 10px; }
    summary { cursor: pointer; color: var(--muted); font-size: 0.85rem; }
    pre { background: var(--panel); border: 1px solid var(--line); padding: 8px; overflow-x: auto; font-size: 0.8rem; white-space: pre-wrap; overflow-wrap: anywhere; }
    .doc { background: var(--panel); border-left: 3px solid var(--c1); padding: 6px 9px; margin: 6px 0; font-size: 0.85rem; white-space: pre-wrap; overflow-wrap: anywhere; }
    .doc.kept { border-left-color: var(--c0); }
    .doc .meta { display: block; color: var(--muted); font-size: 0.78rem; margin-bottom: 3px; }
    .empty { color: var(--muted); font-style: italic; }
    @media (max-width: 600px) { main { padding: 10px; } body { font-size: 14px; } svg.chart { min-width: 540px; } }
    """
}
