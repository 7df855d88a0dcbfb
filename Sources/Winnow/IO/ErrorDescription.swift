import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An error as a person reads it: a file error's path and reason, not a Foundation error dump.
public func describe(_ error: Error) -> String {
    let ns = error as NSError
    guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else { return "\(error)" }
    var reason = ns.localizedFailureReason ?? ""
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        reason = String(cString: strerror(Int32(underlying.code)))
    } else if ns.domain == NSPOSIXErrorDomain {
        reason = String(cString: strerror(Int32(ns.code)))
    }
    if reason.isEmpty || reason.contains("NSCocoaErrorDomain") {
        switch ns.code {
        case 4, 260: reason = "no such file or directory"
        case 257, 513: reason = "permission denied"
        case 516: reason = "a file of that name already exists"
        case 640: reason = "no space left on the device"
        case 642: reason = "read-only file system"
        case 256, 264: reason = "could not be read"
        default: reason = "could not be written (Foundation error \(ns.code))"
        }
    }
    if let path = ns.userInfo[NSFilePathErrorKey] as? String ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path {
        return "\(path): \(reason)"
    }
    return reason
}
