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
    if reason.isEmpty { reason = ns.localizedDescription }
    if let path = ns.userInfo[NSFilePathErrorKey] as? String ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path {
        return "\(path): \(reason)"
    }
    return reason
}
