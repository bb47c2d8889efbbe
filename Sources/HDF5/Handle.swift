// Handle: the single owner of one hid_t; it closes the id exactly once, in deinit.
import CHDF5

final class Handle {
    let id: hid_t
    private let close: (hid_t) -> herr_t

    init(_ id: hid_t, close: @escaping (hid_t) -> herr_t) {
        self.id = id
        self.close = close
    }

    deinit { _ = close(id) }
}

enum Library {
    /// Called before libhdf5 use: silences the library's own stderr error stack (we report errors ourselves).
    /// The setting is per thread in thread-safe builds of libhdf5, so it is applied on every call.
    static func prepare() {
        _ = opened
        ch5_silence_errors()
    }

    /// No library shutdown at exit: after a failed write (a full disk) libhdf5's exit handler faults closing the
    /// half-written file a second time. Every file is closed by its owner, and writes are flushed before rename.
    private static let opened: Bool = { H5dont_atexit(); H5open(); return true }()
}
