/// fastText's product quantizer: each row is `nsubq` codes of one byte, each naming one of 256 centroids
/// of its sub-vector (`dsub` floats, `lastdsub` for the last one).
struct ProductQuantizer: Sendable {
    static let ksub = 256
    let dim: Int, nsubq: Int, dsub: Int, lastdsub: Int
    let centroids: [Float]

    init(_ r: inout FastTextReader, _ what: String) throws {
        dim = Int(try r.int32("\(what) quantizer dim"))
        nsubq = Int(try r.int32("\(what) quantizer nsubq"))
        dsub = Int(try r.int32("\(what) quantizer dsub"))
        lastdsub = Int(try r.int32("\(what) quantizer lastdsub"))
        guard dim > 0, nsubq > 0, dsub > 0, lastdsub > 0, (nsubq - 1) * dsub + lastdsub == dim else {
            throw r.fail("\(what): inconsistent product quantizer (dim \(dim), nsubq \(nsubq), dsub \(dsub), lastdsub \(lastdsub))")
        }
        centroids = try r.floats(dim * Self.ksub, "\(what) quantizer centroids")
    }

    /// Offset of centroid `i` of sub-quantizer `m` in `centroids`.
    @inline(__always) func centroid(_ m: Int, _ i: UInt8) -> Int {
        m == nsubq - 1 ? m * Self.ksub * dsub + Int(i) * lastdsub : (m * Self.ksub + Int(i)) * dsub
    }
}

/// An input or output matrix of a fastText model: dense floats, or product-quantized codes (`.ftz`). Immutable
/// after loading; its arrays are pinned to raw pointers so the hot loops pay no reference counting.
final class FastTextMatrix: @unchecked Sendable {
    let rows: Int, cols: Int
    /// The dense matrix, read straight from the file into memory this object owns.
    private let dense: UnsafeMutableBufferPointer<Float>?
    private let codes: [UInt8]
    private let pq: ProductQuantizer?
    private let normCodes: [UInt8]?
    private let npq: ProductQuantizer?
    // Pointers into the arrays above (which live as long as the matrix and are never mutated).
    private let densePtr: UnsafePointer<Float>?
    private let codesPtr: UnsafePointer<UInt8>?
    private let centroidsPtr: UnsafePointer<Float>?
    private let nsubq: Int, dsub: Int, lastdsub: Int

    private let ownedCodes: UnsafeMutableBufferPointer<UInt8>?
    private let ownedCentroids: UnsafeMutableBufferPointer<Float>?

    private init(rows: Int, cols: Int, dense: UnsafeMutableBufferPointer<Float>?, codes: [UInt8], pq: ProductQuantizer?, normCodes: [UInt8]?, npq: ProductQuantizer?) {
        self.rows = rows; self.cols = cols; self.dense = dense; self.codes = codes; self.pq = pq
        self.normCodes = normCodes; self.npq = npq
        densePtr = dense.map { UnsafePointer($0.baseAddress!) }
        // Private copies of the (small) quantized tables, so the hot loops hold plain pointers.
        if let pq {
            let c = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, codes.count))
            _ = c.initialize(from: codes)
            let cent = UnsafeMutableBufferPointer<Float>.allocate(capacity: pq.centroids.count)
            _ = cent.initialize(from: pq.centroids)
            ownedCodes = c; ownedCentroids = cent
            codesPtr = UnsafePointer(c.baseAddress!); centroidsPtr = UnsafePointer(cent.baseAddress!)
        } else {
            ownedCodes = nil; ownedCentroids = nil; codesPtr = nil; centroidsPtr = nil
        }
        nsubq = pq?.nsubq ?? 0; dsub = pq?.dsub ?? 0; lastdsub = pq?.lastdsub ?? 0
    }

    deinit {
        dense?.deallocate()
        ownedCodes?.deallocate()
        ownedCentroids?.deallocate()
    }

    var isQuantized: Bool { pq != nil }

    static func dense(_ r: inout FastTextReader, _ what: String) throws -> FastTextMatrix {
        let m = try r.int64("\(what) rows"), n = try r.int64("\(what) columns")
        guard m >= 0, n > 0, m < 1 << 40, n < 1 << 20 else { throw r.fail("\(what): impossible shape \(m) × \(n)") }
        let data = try r.floatBuffer(Int(m) * Int(n), "\(what) (\(m) × \(n))")
        return FastTextMatrix(rows: Int(m), cols: Int(n), dense: data, codes: [], pq: nil, normCodes: nil, npq: nil)
    }

    static func quantized(_ r: inout FastTextReader, _ what: String) throws -> FastTextMatrix {
        let qnorm = try r.bool("\(what) qnorm")
        let m = try r.int64("\(what) rows"), n = try r.int64("\(what) columns")
        let codesize = Int(try r.int32("\(what) code size"))
        guard m >= 0, n > 0, m < 1 << 40, n < 1 << 20 else { throw r.fail("\(what): impossible shape \(m) × \(n)") }
        let codes = try r.raw(codesize, "\(what) codes")
        let pq = try ProductQuantizer(&r, what)
        guard pq.dim == Int(n), codesize == Int(m) * pq.nsubq else {
            throw r.fail("\(what): \(codesize) codes do not fit \(m) rows of \(pq.nsubq) sub-vectors (dim \(pq.dim), \(n) columns)")
        }
        var normCodes: [UInt8]? = nil, npq: ProductQuantizer? = nil
        if qnorm {
            normCodes = try r.raw(Int(m), "\(what) norm codes")
            npq = try ProductQuantizer(&r, "\(what) norm")
        }
        return FastTextMatrix(rows: Int(m), cols: Int(n), dense: nil, codes: codes, pq: pq, normCodes: normCodes, npq: npq)
    }

    @inline(__always) private func norm(_ i: Int) -> Float {
        guard let normCodes, let npq else { return 1 }
        return npq.centroids[npq.centroid(0, normCodes[i])]
    }

    /// x += row i (fastText's addRowToVector; a quantized row is scaled by its quantized norm).
    @inline(__always) func addRow(_ i: Int, to x: UnsafeMutablePointer<Float>) {
        if let d = densePtr {
            let row = d + i * cols
            for j in 0..<cols { x[j] += row[j] }
            return
        }
        let alpha = norm(i)
        let code = codesPtr! + nsubq * i
        let cent = centroidsPtr!
        let ksub = ProductQuantizer.ksub
        for m in 0..<nsubq {
            let last = m == nsubq - 1
            let d = last ? lastdsub : dsub
            let cs = cent + (last ? m * ksub * dsub + Int(code[m]) * lastdsub : (m * ksub + Int(code[m])) * dsub)
            let base = m * dsub
            for k in 0..<d { x[base + k] += alpha * cs[k] }
        }
    }

    /// Row i · x, in single precision as fastText sums it.
    @inline(__always) func dotRow(_ i: Int, _ x: UnsafePointer<Float>) -> Float {
        if let d = densePtr {
            let row = d + i * cols
            var s: Float = 0
            for j in 0..<cols { s += row[j] * x[j] }
            return s
        }
        let alpha = norm(i)
        let code = codesPtr! + nsubq * i
        let cent = centroidsPtr!
        let ksub = ProductQuantizer.ksub
        var s: Float = 0
        for m in 0..<nsubq {
            let last = m == nsubq - 1
            let d = last ? lastdsub : dsub
            let cs = cent + (last ? m * ksub * dsub + Int(code[m]) * lastdsub : (m * ksub + Int(code[m])) * dsub)
            let base = m * dsub
            for k in 0..<d { s += x[base + k] * cs[k] }
        }
        return s * alpha
    }

    /// Bytes held in memory.
    var memoryBytes: Int {
        (dense?.count ?? 0) * 4 + codes.count + (pq?.centroids.count ?? 0) * 4 + (normCodes?.count ?? 0) + (npq?.centroids.count ?? 0) * 4
    }
}
