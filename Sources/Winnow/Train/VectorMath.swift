/// Vectorised element-wise math for the trainer: `exp` as a polynomial over 8 lanes (so the softmaxes and GELU
/// run as vector code instead of one libm call per element), and sums, maxima and the loops built on them.
/// Every routine walks its buffer in the same order whatever the thread count, so results stay bit-for-bit
/// reproducible. Only operations that compile to vector instructions are used: the standard library's
/// `pointwiseMin`/`max()`/`rounded()` and integer conversions are generic calls, so minima, maxima and
/// rounding are written with selects and the 1.5·2²³ trick.
typealias Float8 = SIMD8<Float>

@inline(__always) func load8(_ p: UnsafePointer<Float>) -> Float8 { UnsafeRawPointer(p).loadUnaligned(as: Float8.self) }
@inline(__always) func load8(_ p: UnsafeMutablePointer<Float>) -> Float8 { UnsafeRawPointer(p).loadUnaligned(as: Float8.self) }
@inline(__always) func store8(_ v: Float8, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Float8.self) }

// Cephes' expf (Moshier): e^x = 2^n · e^r with r in [−ln2/2, ln2/2], e^r by a degree-6 polynomial; relative error
// about 1e-7 over the clamped range [−87.3, 88.7] (below it the result is ~1e-38 instead of 0).
private let expHigh: Float = 88.72283, expLow: Float = -87.33654
private let log2e: Float = 1.442695040888963, ln2Hi: Float = 0.693359375, ln2Lo: Float = -2.12194440e-4
private let p0: Float = 1.9875691500e-4, p1: Float = 1.3981999507e-3, p2: Float = 8.3334519073e-3
private let roundingMagic: Float = 12_582_912   // 1.5 · 2²³
private let p3: Float = 4.1665795894e-2, p4: Float = 1.6666665459e-1, p5: Float = 5.0000001201e-1

/// e^x in each lane.
@inline(__always) func exp8(_ x0: Float8) -> Float8 {
    let x = min8(max8(x0, Float8(repeating: expLow)), Float8(repeating: expHigh))
    let shifted = x * log2e + roundingMagic             // n + 1.5·2²³: the integer n in the low mantissa bits
    let n = shifted - roundingMagic                      // round(x · log2 e), ties to even
    let r = x - n * ln2Hi - n * ln2Lo
    let r2 = r * r
    var y = p0 * r + p1
    y = y * r + p2; y = y * r + p3; y = y * r + p4; y = y * r + p5
    y = y * r2 + r + 1
    let bits = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
    return y * unsafeBitCast(bits, to: Float8.self)
}

@inline(__always) func min8(_ a: Float8, _ b: Float8) -> Float8 { a.replacing(with: b, where: b .< a) }
@inline(__always) func max8(_ a: Float8, _ b: Float8) -> Float8 { a.replacing(with: b, where: b .> a) }

/// e^x for one value, by the same polynomial (so scalar tails equal the vector lanes).
@inline(__always) func exp1(_ x: Float) -> Float { exp8(Float8(repeating: x))[0] }

/// tanh(x) = 1 − 2 / (e^{2x} + 1) in each lane (exact ±1 beyond |x| > 9, where Float rounds there anyway).
@inline(__always) func tanh8(_ x: Float8) -> Float8 {
    let t = 1 - 2 / (exp8(2 * x) + 1)
    return t.replacing(with: 1, where: x .> 9).replacing(with: -1, where: x .< -9)
}

/// The largest of p[0..<n] (n ≥ 1).
@inline(__always) func maxOf(_ p: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
    var i = 0, m8 = Float8(repeating: -.greatestFiniteMagnitude)
    while i + 8 <= n { m8 = max8(m8, load8(p + i)); i += 8 }
    var m = m8[0]
    for k in 1..<8 { m = max(m, m8[k]) }
    while i < n { m = max(m, p[i]); i += 1 }
    return m
}

/// out[i] = e^(x[i] − shift) for i < n; returns their sum.
@inline(__always) func expShifted(_ out: UnsafeMutablePointer<Float>, _ x: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) -> Float {
    var i = 0, s8 = Float8()
    while i + 8 <= n { let e = exp8(load8(x + i) - shift); store8(e, out + i); s8 += e; i += 8 }
    var s = s8.sum()
    while i < n { let e = exp1(x[i] - shift); out[i] = e; s += e; i += 1 }
    return s
}

/// p[i] *= k for i < n.
@inline(__always) func scale(_ p: UnsafeMutablePointer<Float>, _ n: Int, by k: Float) {
    var i = 0
    while i + 8 <= n { store8(load8(p + i) * k, p + i); i += 8 }
    while i < n { p[i] *= k; i += 1 }
}

/// Σ a[i]·b[i] for i < n.
@inline(__always) func dot(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
    var i = 0, s8 = Float8()
    while i + 8 <= n { s8 += load8(a + i) * load8(b + i); i += 8 }
    var s = s8.sum()
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}

/// A numerically safe softmax of x[0..<n] into out (out may be x).
@inline(__always) func softmaxRow(_ out: UnsafeMutablePointer<Float>, _ x: UnsafeMutablePointer<Float>, _ n: Int) {
    let m = maxOf(x, n)
    let s = expShifted(out, x, n, shift: m)
    scale(out, n, by: 1 / s)
}
