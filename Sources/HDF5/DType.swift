// DType: the element types Condense reads and writes, mapped from and to HDF5 datatypes.
import CHDF5

public enum DType: Equatable, CustomStringConvertible, Sendable {
    case float32, float64
    case int8, uint8, int16, uint16, int32, uint32, int64, uint64
    case string
    case other(String)

    public var description: String {
        switch self {
        case .float32: return "float32"
        case .float64: return "float64"
        case .int8: return "int8"
        case .uint8: return "uint8"
        case .int16: return "int16"
        case .uint16: return "uint16"
        case .int32: return "int32"
        case .uint32: return "uint32"
        case .int64: return "int64"
        case .uint64: return "uint64"
        case .string: return "string"
        case .other(let s): return s
        }
    }

    /// Bytes per element, or nil for strings and unknown types.
    public var size: Int? {
        switch self {
        case .int8, .uint8: return 1
        case .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64: return 8
        case .string, .other: return nil
        }
    }

    public var isInteger: Bool {
        switch self {
        case .int8, .uint8, .int16, .uint16, .int32, .uint32, .int64, .uint64: return true
        default: return false
        }
    }

    /// Classifies an open HDF5 datatype id.
    static func of(type tid: hid_t) -> DType {
        let size = H5Tget_size(tid)
        switch H5Tget_class(tid) {
        case H5T_FLOAT:
            return size == 4 ? .float32 : size == 8 ? .float64 : .other("float\(size * 8)")
        case H5T_INTEGER:
            let signed = H5Tget_sign(tid) == H5T_SGN_2
            switch (size, signed) {
            case (1, true): return .int8
            case (1, false): return .uint8
            case (2, true): return .int16
            case (2, false): return .uint16
            case (4, true): return .int32
            case (4, false): return .uint32
            case (8, true): return .int64
            case (8, false): return .uint64
            default: return .other("int\(size * 8)")
            }
        case H5T_STRING: return .string
        case H5T_COMPOUND: return .other("compound")
        case H5T_ENUM: return .other("enum")
        case H5T_ARRAY: return .other("array")
        case H5T_OPAQUE: return .other("opaque")
        case H5T_REFERENCE: return .other("reference")
        case H5T_VLEN: return .other("vlen")
        case H5T_BITFIELD: return .other("bitfield")
        default: return .other("unknown")
        }
    }

    /// The native in-memory type for numeric dtypes.
    var nativeType: hid_t? {
        switch self {
        case .float32: return ch5_native_float()
        case .float64: return ch5_native_double()
        case .int8: return ch5_native_int8()
        case .uint8: return ch5_native_uint8()
        case .int32: return ch5_native_int32()
        case .int64: return ch5_native_int64()
        default: return nil
        }
    }

    /// The little-endian file type used when writing.
    var fileType: hid_t? {
        switch self {
        case .float32: return ch5_ieee_f32le()
        case .int8: return ch5_std_i8le()
        case .int32: return ch5_std_i32le()
        case .int64: return ch5_std_i64le()
        case .uint8: return H5T_STD_U8LE_g
        case .float64: return H5T_IEEE_F64LE_g
        default: return nil
        }
    }
}

/// Swift element types that can be read from and written to datasets.
public protocol HDF5Scalar {
    static var dtype: DType { get }
}
extension Float: HDF5Scalar { public static var dtype: DType { .float32 } }
extension Double: HDF5Scalar { public static var dtype: DType { .float64 } }
extension Int8: HDF5Scalar { public static var dtype: DType { .int8 } }
extension UInt8: HDF5Scalar { public static var dtype: DType { .uint8 } }
extension Int32: HDF5Scalar { public static var dtype: DType { .int32 } }
extension Int64: HDF5Scalar { public static var dtype: DType { .int64 } }
