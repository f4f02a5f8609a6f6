import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public enum DiskSpace {
    /// Bytes an unprivileged writer may still use on the filesystem holding `url`.
    public static func available(at url: URL) throws -> Int64 {
        var stats = statvfs()
        guard statvfs(url.path, &stats) == 0 else {
            throw SystemError(operation: "read free space of", path: url.path, code: errno)
        }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }

    /// `1.5 GiB`-style text for messages.
    public static func format(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
