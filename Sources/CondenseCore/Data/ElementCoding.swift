// ElementCoding: how one stored number is laid out (float, signed or unsigned integer, or bool; 1–8 bytes; byte
// order; a divisor for scaled bytes), and its decoding into the Float and Double values the readers hand on.

public struct ElementCoding: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Character, Sendable { case float = "f", int = "i", uint = "u", bool = "b" }
    public let kind: Kind
    /// Bytes per element: 1, 2, 4 or 8 (floats 4 or 8).
    public let itemSize: Int
    public let bigEndian: Bool
    /// Features are the stored value divided by this (in Float): 255 for IDX bytes, else 1.
    public let divisor: Float

    public init(kind: Kind, itemSize: Int, bigEndian: Bool, divisor: Float = 1) {
        self.kind = kind; self.itemSize = itemSize; self.bigEndian = bigEndian; self.divisor = divisor
    }

    public static let float32 = ElementCoding(kind: .float, itemSize: 4, bigEndian: false)
    /// IDX pixels: uint8 scaled to [0, 1] as `Float(byte) / 255`, exactly as a whole read scales them.
    public static let unitByte = ElementCoding(kind: .uint, itemSize: 1, bigEndian: false, divisor: 255)

    /// NumPy's spelling: "<f4", ">i2", "|u1" (with "/255" for scaled bytes).
    public var description: String { "\(bigEndian ? ">" : "<")\(kind.rawValue)\(itemSize)" + (divisor == 1 ? "" : "/\(Int(divisor))") }

    /// Little-endian float32: rows copy byte for byte.
    public var isFloat32: Bool { self == .float32 }

    /// Element i of `raw` as Double, as stored (before any divisor; exact for every integer below 2^53).
    @inline(__always)
    public func double(_ raw: UnsafeRawPointer, _ i: Int) -> Double {
        let o = i * itemSize
        var u: UInt64 = 0
        if bigEndian { for k in 0..<itemSize { u = u << 8 | UInt64(raw.load(fromByteOffset: o + k, as: UInt8.self)) } }
        else { for k in (0..<itemSize).reversed() { u = u << 8 | UInt64(raw.load(fromByteOffset: o + k, as: UInt8.self)) } }
        switch (kind, itemSize) {
        case (.float, 4): return Double(Float(bitPattern: UInt32(u)))
        case (.float, _): return Double(bitPattern: u)
        case (.int, _):
            let shift = UInt64(64 - 8 * itemSize)
            return Double(Int64(bitPattern: u << shift) >> Int64(shift))
        default: return Double(u)
        }
    }

    /// Elements 0 ..< n of `raw` as Float into `dst`: a byte copy for little-endian float32, Float(byte) / divisor for
    /// scaled bytes, else Float(double(…)): exactly what a whole-array read gives.
    @inline(__always)
    public func floats(_ raw: UnsafeRawPointer, _ n: Int, to dst: UnsafeMutablePointer<Float>) {
        if isFloat32 {
            UnsafeMutableRawPointer(dst).copyMemory(from: raw, byteCount: 4 * n)
        } else if divisor != 1 && itemSize == 1 {
            let bytes = raw.assumingMemoryBound(to: UInt8.self)
            for i in 0..<n { dst[i] = Float(bytes[i]) / divisor }
        } else {
            for i in 0..<n { dst[i] = Float(double(raw, i)) }
        }
    }
}
