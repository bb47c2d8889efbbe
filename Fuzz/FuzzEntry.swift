// FuzzEntry: the libFuzzer entry points of condense-fuzz; CONDENSE_FUZZ_TARGET picks which reader each input feeds.
import Foundation

/// The harness that every input of this process goes to, chosen once from CONDENSE_FUZZ_TARGET (see `Harness`).
nonisolated(unsafe) private var harness: Harness?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    let name = ProcessInfo.processInfo.environment["CONDENSE_FUZZ_TARGET"] ?? ""
    guard let h = Harness(rawValue: name) else {
        FileHandle.standardError.write(Data("condense-fuzz: CONDENSE_FUZZ_TARGET must be one of \(Harness.allCases.map(\.rawValue).joined(separator: ", ")); found \"\(name)\"\n".utf8))
        exit(2)
    }
    harness = h
    h.prepare()
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { [UInt8](UnsafeBufferPointer(start: $0, count: size)) } ?? []
    harness?.run(bytes)
    return 0
}

/// libFuzzer's driver, called from our own entry point: SwiftPM links an executable target's `main` to
/// `condense_fuzz_main`, so libFuzzer's `main` is not used.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

@_cdecl("condense_fuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var c = argc
    var v = argv
    return LLVMFuzzerRunDriver(&c, &v) { data, size in fuzzOneInput(data, size) }
}
