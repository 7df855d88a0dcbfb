import COpenBLAS
import Dispatch
import Foundation

/// A GPT-2-style decoder on the CPU: token and learned position embeddings, pre-LayerNorm blocks with causal
/// multi-head self-attention and a GELU MLP (4×), a final LayerNorm, and the output projection tied to the
/// token embedding. Forward and backward are written out over flat Float buffers in llm.c's layout; matrix
/// products go through CBLAS (OpenBLAS), attention is split across heads and cores.
public struct GPTConfig: Codable, Sendable, Equatable {
    public var vocabSize: Int
    public var context: Int
    public var layers: Int
    public var heads: Int
    public var channels: Int

    public init(vocabSize: Int, context: Int, layers: Int, heads: Int, channels: Int) {
        self.vocabSize = vocabSize; self.context = context; self.layers = layers; self.heads = heads; self.channels = channels
    }

    /// Sizes of the 16 parameter tensors, in llm.c's order.
    var parameterSizes: [Int] {
        let V = vocabSize, T = context, L = layers, C = channels
        return [V * C, T * C, L * C, L * C, L * 3 * C * C, L * 3 * C, L * C * C, L * C, L * C, L * C, L * 4 * C * C, L * 4 * C, L * C * 4 * C, L * C, C, C]
    }
    public var parameterCount: Int { parameterSizes.reduce(0, +) }
}

/// Pointers into one flat buffer, one per parameter tensor (the same layout serves the gradients and the
/// optimizer's moments).
struct GPTTensors {
    let wte, wpe, ln1w, ln1b, qkvw, qkvb, attprojw, attprojb, ln2w, ln2b, fcw, fcb, fcprojw, fcprojb, lnfw, lnfb: UnsafeMutablePointer<Float>

    init(_ base: UnsafeMutablePointer<Float>, _ sizes: [Int]) {
        var p = base
        var out: [UnsafeMutablePointer<Float>] = []
        for s in sizes { out.append(p); p += s }
        (wte, wpe, ln1w, ln1b, qkvw, qkvb, attprojw, attprojb) = (out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7])
        (ln2w, ln2b, fcw, fcb, fcprojw, fcprojb, lnfw, lnfb) = (out[8], out[9], out[10], out[11], out[12], out[13], out[14], out[15])
    }
}

/// The activations of one forward pass for a batch of B sequences of T tokens.
final class GPTActivations {
    let B: Int, T: Int
    let buffer: UnsafeMutablePointer<Float>
    let count: Int
    let encoded, ln1, ln1Mean, ln1Rstd, qkv, atty, preatt, att, attproj, residual2, ln2, ln2Mean, ln2Rstd, fch, fchGelu, fcproj, residual3,
        lnf, lnfMean, lnfRstd, logits, probs, losses: UnsafeMutablePointer<Float>

    init(_ c: GPTConfig, B: Int, T: Int) {
        self.B = B; self.T = T
        let L = c.layers, C = c.channels, NH = c.heads, V = c.vocabSize
        let sizes = [B * T * C, L * B * T * C, L * B * T, L * B * T, L * B * T * 3 * C, L * B * T * C, L * B * NH * T * T, L * B * NH * T * T,
                     L * B * T * C, L * B * T * C, L * B * T * C, L * B * T, L * B * T, L * B * T * 4 * C, L * B * T * 4 * C, L * B * T * C,
                     L * B * T * C, B * T * C, B * T, B * T, B * T * V, B * T * V, B * T]
        count = sizes.reduce(0, +)
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: 0, count: count)
        var p = buffer
        var ptrs: [UnsafeMutablePointer<Float>] = []
        for s in sizes { ptrs.append(p); p += s }
        (encoded, ln1, ln1Mean, ln1Rstd, qkv, atty, preatt, att) = (ptrs[0], ptrs[1], ptrs[2], ptrs[3], ptrs[4], ptrs[5], ptrs[6], ptrs[7])
        (attproj, residual2, ln2, ln2Mean, ln2Rstd, fch, fchGelu, fcproj) = (ptrs[8], ptrs[9], ptrs[10], ptrs[11], ptrs[12], ptrs[13], ptrs[14], ptrs[15])
        (residual3, lnf, lnfMean, lnfRstd, logits, probs, losses) = (ptrs[16], ptrs[17], ptrs[18], ptrs[19], ptrs[20], ptrs[21], ptrs[22])
    }

    func zero() { buffer.update(repeating: 0, count: count) }

    deinit { buffer.deallocate() }
}

/// The model: parameters, gradients, and the forward/backward passes.
public final class GPT {
    public let config: GPTConfig
    let params: UnsafeMutablePointer<Float>
    let grads: UnsafeMutablePointer<Float>
    let p: GPTTensors
    let g: GPTTensors
    private var acts: GPTActivations?
    private var gradActs: GPTActivations?
    private var inputs: [Int32] = []
    private var targets: [Int32] = []
    /// The mean loss of the last forward pass with targets.
    public private(set) var meanLoss: Float = 0

    public init(config: GPTConfig) {
        self.config = config
        let n = config.parameterCount
        params = .allocate(capacity: n); params.initialize(repeating: 0, count: n)
        grads = .allocate(capacity: n); grads.initialize(repeating: 0, count: n)
        p = GPTTensors(params, config.parameterSizes)
        g = GPTTensors(grads, config.parameterSizes)
    }

    deinit { params.deallocate(); grads.deallocate() }

    public var parameters: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: params, count: config.parameterCount) }
    public var gradients: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: grads, count: config.parameterCount) }

    /// GPT-2's initialisation from a seed: normal(0, 0.02) weights, residual projections scaled by
    /// 1/sqrt(2·layers), LayerNorm weights 1, biases 0.
    public func initialize(seed: UInt64) {
        var rng = NormalRandom(seed: seed)
        let C = config.channels, L = config.layers
        func fill(_ ptr: UnsafeMutablePointer<Float>, _ n: Int, std: Float) { for i in 0..<n { ptr[i] = rng.next() * std } }
        func ones(_ ptr: UnsafeMutablePointer<Float>, _ n: Int) { ptr.update(repeating: 1, count: n) }
        let sizes = config.parameterSizes
        let residualStd = 0.02 / Float(2 * L).squareRoot()
        fill(p.wte, sizes[0], std: 0.02); fill(p.wpe, sizes[1], std: 0.02)
        ones(p.ln1w, L * C); p.ln1b.update(repeating: 0, count: L * C)
        fill(p.qkvw, sizes[4], std: 0.02); p.qkvb.update(repeating: 0, count: sizes[5])
        fill(p.attprojw, sizes[6], std: residualStd); p.attprojb.update(repeating: 0, count: sizes[7])
        ones(p.ln2w, L * C); p.ln2b.update(repeating: 0, count: L * C)
        fill(p.fcw, sizes[10], std: 0.02); p.fcb.update(repeating: 0, count: sizes[11])
        fill(p.fcprojw, sizes[12], std: residualStd); p.fcprojb.update(repeating: 0, count: sizes[13])
        ones(p.lnfw, C); p.lnfb.update(repeating: 0, count: C)
    }

    // MARK: - Forward

    /// Runs the model on `inputs` (B × T token ids); with `targets` also the cross-entropy loss (`meanLoss`).
    /// Returns the probabilities (B × T × V).
    @discardableResult
    public func forward(inputs: [Int32], targets: [Int32]?, B: Int, T: Int) -> UnsafeMutablePointer<Float> {
        precondition(T <= config.context && inputs.count == B * T)
        if acts == nil || acts!.B != B || acts!.T != T { acts = GPTActivations(config, B: B, T: T); gradActs = nil }
        let a = acts!
        let C = config.channels, L = config.layers, NH = config.heads, V = config.vocabSize
        self.inputs = inputs
        encoderForward(a.encoded, inputs, p.wte, p.wpe, B, T, C)
        for l in 0..<L {
            let residual = l == 0 ? a.encoded : a.residual3 + (l - 1) * B * T * C
            let BTC = B * T * C
            let ln1 = a.ln1 + l * BTC, ln1Mean = a.ln1Mean + l * B * T, ln1Rstd = a.ln1Rstd + l * B * T
            let qkv = a.qkv + l * BTC * 3, atty = a.atty + l * BTC
            let preatt = a.preatt + l * B * NH * T * T, att = a.att + l * B * NH * T * T
            let attproj = a.attproj + l * BTC, residual2 = a.residual2 + l * BTC
            let ln2 = a.ln2 + l * BTC, ln2Mean = a.ln2Mean + l * B * T, ln2Rstd = a.ln2Rstd + l * B * T
            let fch = a.fch + l * BTC * 4, fchGelu = a.fchGelu + l * BTC * 4
            let fcproj = a.fcproj + l * BTC, residual3 = a.residual3 + l * BTC
            layernormForward(ln1, ln1Mean, ln1Rstd, residual, p.ln1w + l * C, p.ln1b + l * C, B * T, C)
            matmulForward(qkv, ln1, p.qkvw + l * 3 * C * C, p.qkvb + l * 3 * C, B * T, C, 3 * C)
            attentionForward(atty, preatt, att, qkv, B, T, C, NH)
            matmulForward(attproj, atty, p.attprojw + l * C * C, p.attprojb + l * C, B * T, C, C)
            residualForward(residual2, residual, attproj, BTC)
            layernormForward(ln2, ln2Mean, ln2Rstd, residual2, p.ln2w + l * C, p.ln2b + l * C, B * T, C)
            matmulForward(fch, ln2, p.fcw + l * 4 * C * C, p.fcb + l * 4 * C, B * T, C, 4 * C)
            geluForward(fchGelu, fch, BTC * 4)
            matmulForward(fcproj, fchGelu, p.fcprojw + l * C * 4 * C, p.fcprojb + l * C, B * T, 4 * C, C)
            residualForward(residual3, residual2, fcproj, BTC)
        }
        let last = a.residual3 + (L - 1) * B * T * C
        layernormForward(a.lnf, a.lnfMean, a.lnfRstd, last, p.lnfw, p.lnfb, B * T, C)
        matmulForward(a.logits, a.lnf, p.wte, nil, B * T, C, V)
        softmaxForward(a.probs, a.logits, B * T, V)
        if let targets {
            self.targets = targets
            var sum: Float = 0
            for i in 0..<(B * T) {
                let loss = -log(max(a.probs[i * V + Int(targets[i])], 1e-30))
                a.losses[i] = loss
                sum += loss
            }
            meanLoss = sum / Float(B * T)
        }
        return a.probs
    }

    // MARK: - Backward

    /// Accumulates the gradients of `meanLoss` into `gradients` (call `zeroGradients` first).
    public func backward() {
        let a = acts!
        let B = a.B, T = a.T, C = config.channels, L = config.layers, NH = config.heads, V = config.vocabSize
        if gradActs == nil { gradActs = GPTActivations(config, B: B, T: T) }
        let d = gradActs!
        d.zero()
        // Softmax + cross-entropy: dlogits = (probs - onehot) / (B·T).
        let scale = 1 / Float(B * T)
        let targets = self.targets
        parallelRanges(B * T, minimum: 8) { rows in for i in rows {
            let pr = a.probs + i * V, dl = d.logits + i * V
            var v = 0
            while v + 8 <= V { store8(load8(pr + v) * scale, dl + v); v += 8 }
            while v < V { dl[v] = pr[v] * scale; v += 1 }
            dl[Int(targets[i])] -= scale
        } }
        matmulBackward(d.lnf, g.wte, nil, d.logits, a.lnf, p.wte, B * T, C, V)
        let last = a.residual3 + (L - 1) * B * T * C, dlast = d.residual3 + (L - 1) * B * T * C
        layernormBackward(dlast, g.lnfw, g.lnfb, d.lnf, last, p.lnfw, a.lnfMean, a.lnfRstd, B * T, C)
        for l in stride(from: L - 1, through: 0, by: -1) {
            let BTC = B * T * C
            let residual = l == 0 ? a.encoded : a.residual3 + (l - 1) * BTC
            let dresidual = l == 0 ? d.encoded : d.residual3 + (l - 1) * BTC
            let off1 = l * BTC, offT = l * B * T, offA = l * B * NH * T * T
            // MLP.
            residualBackward(d.residual2 + off1, d.fcproj + off1, d.residual3 + off1, BTC)
            matmulBackward(d.fchGelu + off1 * 4, g.fcprojw + l * C * 4 * C, g.fcprojb + l * C, d.fcproj + off1, a.fchGelu + off1 * 4, p.fcprojw + l * C * 4 * C, B * T, 4 * C, C)
            geluBackward(d.fch + off1 * 4, a.fch + off1 * 4, d.fchGelu + off1 * 4, BTC * 4)
            matmulBackward(d.ln2 + off1, g.fcw + l * 4 * C * C, g.fcb + l * 4 * C, d.fch + off1 * 4, a.ln2 + off1, p.fcw + l * 4 * C * C, B * T, C, 4 * C)
            layernormBackward(d.residual2 + off1, g.ln2w + l * C, g.ln2b + l * C, d.ln2 + off1, a.residual2 + off1, p.ln2w + l * C, a.ln2Mean + offT, a.ln2Rstd + offT, B * T, C)
            // Attention.
            residualBackward(dresidual, d.attproj + off1, d.residual2 + off1, BTC)
            matmulBackward(d.atty + off1, g.attprojw + l * C * C, g.attprojb + l * C, d.attproj + off1, a.atty + off1, p.attprojw + l * C * C, B * T, C, C)
            attentionBackward(d.qkv + off1 * 3, d.preatt + offA, d.att + offA, d.atty + off1, a.qkv + off1 * 3, a.att + offA, B, T, C, NH)
            matmulBackward(d.ln1 + off1, g.qkvw + l * 3 * C * C, g.qkvb + l * 3 * C, d.qkv + off1 * 3, a.ln1 + off1, p.qkvw + l * 3 * C * C, B * T, C, 3 * C)
            layernormBackward(dresidual, g.ln1w + l * C, g.ln1b + l * C, d.ln1 + off1, residual, p.ln1w + l * C, a.ln1Mean + offT, a.ln1Rstd + offT, B * T, C)
        }
        encoderBackward(g.wte, g.wpe, d.encoded, inputs, B, T, C)
    }

    public func zeroGradients() { grads.update(repeating: 0, count: config.parameterCount) }

    /// Each position's loss from the last forward pass with targets.
    public var lastLosses: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: acts!.losses, count: acts!.B * acts!.T) }
}

// MARK: - Layers (llm.c's, with CBLAS matmuls)

func encoderForward(_ out: UnsafeMutablePointer<Float>, _ inp: [Int32], _ wte: UnsafeMutablePointer<Float>, _ wpe: UnsafeMutablePointer<Float>, _ B: Int, _ T: Int, _ C: Int) {
    for b in 0..<B {
        for t in 0..<T {
            let o = out + (b * T + t) * C, e = wte + Int(inp[b * T + t]) * C, pe = wpe + t * C
            for i in 0..<C { o[i] = e[i] + pe[i] }
        }
    }
}

func encoderBackward(_ dwte: UnsafeMutablePointer<Float>, _ dwpe: UnsafeMutablePointer<Float>, _ dout: UnsafeMutablePointer<Float>, _ inp: [Int32], _ B: Int, _ T: Int, _ C: Int) {
    // Split by channels: two positions may hold the same token, so rows of dwte are shared, columns never.
    parallelRanges(C / 8, minimum: 4) { r in
        let lo = r.lowerBound * 8, hi = r.upperBound == C / 8 ? C : r.upperBound * 8
        for b in 0..<B {
            for t in 0..<T {
                let d = dout + (b * T + t) * C, e = dwte + Int(inp[b * T + t]) * C, pe = dwpe + t * C
                for i in lo..<hi { e[i] += d[i]; pe[i] += d[i] }
            }
        }
    }
}

func layernormForward(_ out: UnsafeMutablePointer<Float>, _ mean: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>,
                      _ inp: UnsafeMutablePointer<Float>, _ w: UnsafeMutablePointer<Float>, _ bias: UnsafeMutablePointer<Float>, _ N: Int, _ C: Int) {
    parallelRanges(N, minimum: 64) { rows in for i in rows {
        let x = inp + i * C, o = out + i * C
        var k = 0, s8 = Float8()
        while k + 8 <= C { s8 += load8(x + k); k += 8 }
        var m = s8.sum()
        while k < C { m += x[k]; k += 1 }
        m /= Float(C)
        k = 0; s8 = Float8()
        while k + 8 <= C { let d = load8(x + k) - m; s8 += d * d; k += 8 }
        var v = s8.sum()
        while k < C { let d = x[k] - m; v += d * d; k += 1 }
        v /= Float(C)
        let s = 1 / (v + 1e-5).squareRoot()
        k = 0
        while k + 8 <= C { store8((load8(x + k) - m) * s * load8(w + k) + load8(bias + k), o + k); k += 8 }
        while k < C { o[k] = (x[k] - m) * s * w[k] + bias[k]; k += 1 }
        mean[i] = m; rstd[i] = s
    } }
}

func layernormBackward(_ dinp: UnsafeMutablePointer<Float>, _ dw: UnsafeMutablePointer<Float>, _ db: UnsafeMutablePointer<Float>, _ dout: UnsafeMutablePointer<Float>,
                       _ inp: UnsafeMutablePointer<Float>, _ w: UnsafeMutablePointer<Float>, _ mean: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>, _ N: Int, _ C: Int) {
    // The input gradient row by row, rows split across threads.
    parallelRanges(N, minimum: 64) { rows in for i in rows {
        let d = dout + i * C, x = inp + i * C, di = dinp + i * C
        let m = mean[i], s = rstd[i]
        var k = 0, a8 = Float8(), b8 = Float8()
        while k + 8 <= C {
            let norm = (load8(x + k) - m) * s, dnorm = load8(w + k) * load8(d + k)
            a8 += dnorm; b8 += dnorm * norm; k += 8
        }
        var dnormMean = a8.sum(), dnormNormMean = b8.sum()
        while k < C { let norm = (x[k] - m) * s, dnorm = w[k] * d[k]; dnormMean += dnorm; dnormNormMean += dnorm * norm; k += 1 }
        dnormMean /= Float(C); dnormNormMean /= Float(C)
        k = 0
        while k + 8 <= C {
            let norm = (load8(x + k) - m) * s, dnorm = load8(w + k) * load8(d + k)
            store8(load8(di + k) + (dnorm - dnormMean - norm * dnormNormMean) * s, di + k); k += 8
        }
        while k < C { let norm = (x[k] - m) * s, dnorm = w[k] * d[k]; di[k] += (dnorm - dnormMean - norm * dnormNormMean) * s; k += 1 }
    } }
    // Weight and bias gradients: sums over rows, columns split across threads (each column summed in row order).
    let blocks = (C + 7) / 8
    parallelRanges(blocks, minimum: 2) { r in
        for blk in r where blk * 8 + 8 <= C {
            let k = blk * 8
            var dw8 = load8(dw + k), db8 = load8(db + k)
            for i in 0..<N {
                let dd = load8(dout + i * C + k)
                db8 += dd; dw8 += (load8(inp + i * C + k) - mean[i]) * rstd[i] * dd
            }
            store8(dw8, dw + k); store8(db8, db + k)
        }
        if r.upperBound == blocks { for k in (C / 8 * 8)..<C { for i in 0..<N {
            let dd = dout[i * C + k]; db[k] += dd; dw[k] += (inp[i * C + k] - mean[i]) * rstd[i] * dd
        } } }
    }
}

/// out (N × OC) = inp (N × IC) · weightᵀ (weight is OC × IC) + bias.
func matmulForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafeMutablePointer<Float>, _ weight: UnsafeMutablePointer<Float>,
                   _ bias: UnsafeMutablePointer<Float>?, _ N: Int, _ IC: Int, _ OC: Int) {
    if let bias { for i in 0..<N { (out + i * OC).update(from: bias, count: OC) } }
    gemm(false, true, N, OC, IC, inp, IC, weight, IC, bias == nil ? 0 : 1, out, OC)
}

/// C (M × N) = op(A) · op(B) + beta·C, row-major, with the rows of C split across `blasThreads` threads (one
/// OpenBLAS thread each: OpenBLAS's own workers spin while ours run, so all threading is ours).
func gemm(_ transA: Bool, _ transB: Bool, _ M: Int, _ N: Int, _ K: Int, _ A: UnsafeMutablePointer<Float>, _ lda: Int,
          _ B: UnsafeMutablePointer<Float>, _ ldb: Int, _ beta: Float, _ C: UnsafeMutablePointer<Float>, _ ldc: Int) {
    parallelRanges(M, minimum: 32) { rows in
        let a = transA ? A + rows.lowerBound : A + rows.lowerBound * lda
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, Int32(rows.count), Int32(N), Int32(K),
                    1, a, Int32(lda), B, Int32(ldb), beta, C + rows.lowerBound * ldc, Int32(ldc))
    }
}

/// dinp += dout · weight; dweight += doutᵀ · inp; dbias += column sums of dout.
func matmulBackward(_ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>, _ dbias: UnsafeMutablePointer<Float>?, _ dout: UnsafeMutablePointer<Float>,
                    _ inp: UnsafeMutablePointer<Float>, _ weight: UnsafeMutablePointer<Float>, _ N: Int, _ IC: Int, _ OC: Int) {
    gemm(false, false, N, IC, OC, dout, OC, weight, IC, 1, dinp, IC)
    gemm(true, false, OC, IC, N, dout, OC, inp, IC, 1, dweight, IC)
    if let dbias {   // column sums of dout: doutᵀ · 1, columns split across threads
        let ones = [Float](repeating: 1, count: N)
        parallelRanges(OC, minimum: 64) { cols in
            cblas_sgemv(CblasRowMajor, CblasTrans, Int32(N), Int32(cols.count), 1, dout + cols.lowerBound, Int32(OC), ones, 1, 1, dbias + cols.lowerBound, 1)
        }
    }
}

/// Runs `body` for every (batch, head) pair: in turn with one thread, else spread over the threads (OpenBLAS runs
/// single-threaded inside each product; see `gemm`).
@inline(__always) func attentionPairs(_ n: Int, _ body: (Int) -> Void) {
    if blasThreads <= 1 { for i in 0..<n { body(i) }; return }
    DispatchQueue.concurrentPerform(iterations: n, execute: body)
}

nonisolated(unsafe) var blasThreads = 1

/// Splits 0..<n into one contiguous range per thread (`blasThreads` of them) and runs them in parallel.
@inline(__always) func parallelRanges(_ n: Int, minimum: Int = 4096, _ body: (Range<Int>) -> Void) {
    let parts = min(blasThreads, max(1, n / minimum))
    if parts <= 1 { body(0..<n); return }
    DispatchQueue.concurrentPerform(iterations: parts) { k in body((n * k / parts)..<(n * (k + 1) / parts)) }
}

/// Causal self-attention over qkv (B × T × 3C: queries, keys, values), NH heads. Per (batch, head): the scores
/// Q·Kᵀ and the output att·V are matrix products (CBLAS, strided straight out of qkv); the causal mask and the
/// softmax run row by row. (batch, head) pairs are spread across cores.
func attentionForward(_ out: UnsafeMutablePointer<Float>, _ preatt: UnsafeMutablePointer<Float>, _ att: UnsafeMutablePointer<Float>,
                      _ qkv: UnsafeMutablePointer<Float>, _ B: Int, _ T: Int, _ C: Int, _ NH: Int) {
    let hs = C / NH, scale = 1 / Float(hs).squareRoot()
    let C3 = 3 * C
    attentionPairs(B * NH) { bh in
        let b = bh / NH, h = bh % NH
        let q = qkv + b * T * C3 + h * hs, k = q + C, v = q + 2 * C
        let pre = preatt + bh * T * T, a = att + bh * T * T
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(T), Int32(hs), scale, q, Int32(C3), k, Int32(C3), 0, pre, Int32(T))
        for t in 0..<T {
            let row = pre + t * T, arow = a + t * T
            softmaxRow(arow, row, t + 1)
            for t2 in (t + 1)..<max(t + 1, T) { arow[t2] = 0; row[t2] = 0 }
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T), 1, a, Int32(T), v, Int32(C3), 0, out + b * T * C + h * hs, Int32(C))
    }
}

func attentionBackward(_ dqkv: UnsafeMutablePointer<Float>, _ dpreatt: UnsafeMutablePointer<Float>, _ datt: UnsafeMutablePointer<Float>,
                       _ dout: UnsafeMutablePointer<Float>, _ qkv: UnsafeMutablePointer<Float>, _ att: UnsafeMutablePointer<Float>,
                       _ B: Int, _ T: Int, _ C: Int, _ NH: Int) {
    let hs = C / NH, scale = 1 / Float(hs).squareRoot()
    let C3 = 3 * C
    attentionPairs(B * NH) { bh in
        let b = bh / NH, h = bh % NH
        let q = qkv + b * T * C3 + h * hs, k = q + C, v = q + 2 * C
        let dq = dqkv + b * T * C3 + h * hs, dk = dq + C, dv = dq + 2 * C
        let a = att + bh * T * T, da = datt + bh * T * T, dp = dpreatt + bh * T * T
        let dO = dout + b * T * C + h * hs
        // out = att · v: datt = dout · vᵀ, dv += attᵀ · dout.
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(T), Int32(hs), 1, dO, Int32(C), v, Int32(C3), 0, da, Int32(T))
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T), 1, a, Int32(T), dO, Int32(C), 1, dv, Int32(C3))
        // Softmax, row by row (masked entries have att 0, so they get no gradient).
        for t in 0..<T {
            let arow = a + t * T, darow = da + t * T, dprow = dp + t * T
            let n = t + 1, dt = dot(arow, darow, n)
            var t2 = 0
            while t2 + 8 <= n { store8(load8(arow + t2) * (load8(darow + t2) - dt) * scale, dprow + t2); t2 += 8 }
            while t2 < n { dprow[t2] = arow[t2] * (darow[t2] - dt) * scale; t2 += 1 }
            for t2 in n..<max(n, T) { dprow[t2] = 0 }
        }
        // scores = q · kᵀ · scale: dq += dpre · k, dk += dpreᵀ · q (scale already folded into dpre).
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T), 1, dp, Int32(T), k, Int32(C3), 1, dq, Int32(C3))
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T), 1, dp, Int32(T), q, Int32(C3), 1, dk, Int32(C3))
    }
}

private let geluScale = Float((2.0 / Double.pi).squareRoot())

/// Runs `body` over 8-element blocks of 0..<N (split across threads; the last block may be shorter, then the
/// body sees it through `tail`, one element at a time).
@inline(__always) private func forEachBlock(_ N: Int, _ block: (Int) -> Void, tail: (Int) -> Void) {
    parallelRanges(N / 8) { r in for b in r { block(b * 8) } }
    for i in (N / 8 * 8)..<N { tail(i) }
}

func geluForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafeMutablePointer<Float>, _ N: Int) {
    forEachBlock(N, { i in
        let x = load8(inp + i), cube = 0.044715 * x * x * x
        store8(0.5 * x * (1 + tanh8(geluScale * (x + cube))), out + i)
    }, tail: { i in
        let x = inp[i], cube = 0.044715 * x * x * x
        out[i] = 0.5 * x * (1 + tanh8(Float8(repeating: geluScale * (x + cube)))[0])
    })
}

func geluBackward(_ dinp: UnsafeMutablePointer<Float>, _ inp: UnsafeMutablePointer<Float>, _ dout: UnsafeMutablePointer<Float>, _ N: Int) {
    @inline(__always) func grad(_ x: Float8) -> Float8 {
        let x2: Float8 = x * x
        let th: Float8 = tanh8(geluScale * (x + 0.044715 * x2 * x))
        let sech2: Float8 = 1 - th * th
        let inner: Float8 = geluScale * (1 + (3 * 0.044715) * x2)
        let left: Float8 = 0.5 * (1 + th)
        return left + 0.5 * x * sech2 * inner
    }
    forEachBlock(N, { i in store8(load8(dinp + i) + grad(load8(inp + i)) * load8(dout + i), dinp + i) },
                 tail: { i in dinp[i] += grad(Float8(repeating: inp[i]))[0] * dout[i] })
}

func residualForward(_ out: UnsafeMutablePointer<Float>, _ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ N: Int) {
    forEachBlock(N, { i in store8(load8(a + i) + load8(b + i), out + i) }, tail: { i in out[i] = a[i] + b[i] })
}

func residualBackward(_ da: UnsafeMutablePointer<Float>, _ db: UnsafeMutablePointer<Float>, _ dout: UnsafeMutablePointer<Float>, _ N: Int) {
    forEachBlock(N, { i in let d = load8(dout + i); store8(load8(da + i) + d, da + i); store8(load8(db + i) + d, db + i) },
                 tail: { i in da[i] += dout[i]; db[i] += dout[i] })
}

func softmaxForward(_ probs: UnsafeMutablePointer<Float>, _ logits: UnsafeMutablePointer<Float>, _ N: Int, _ V: Int) {
    parallelRanges(N, minimum: 8) { rows in for i in rows { softmaxRow(probs + i * V, logits + i * V, V) } }
}

/// Normal random numbers (Box–Muller over SplitMix64): the same seed gives the same weights everywhere.
struct NormalRandom {
    private var state: UInt64
    private var spare: Float?
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func uniform() -> Double {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return (Double(z >> 11) + 0.5) / Double(1 << 53)
    }
    mutating func next() -> Float {
        if let s = spare { spare = nil; return s }
        let u1 = uniform(), u2 = uniform()
        let r = (-2 * log(u1)).squareRoot()
        spare = Float(r * sin(2 * .pi * u2))
        return Float(r * cos(2 * .pi * u2))
    }
}
