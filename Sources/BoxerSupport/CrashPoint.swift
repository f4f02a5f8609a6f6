#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Named points where a kill -9 leaves state half-written (between two files, after a folder is
/// gone). The crash-window tests set `BOXER_CRASH_AT=<name>` and boxer kills itself with SIGKILL
/// there, exactly as a user's kill -9 or a power cut would, so each window's recovery is tested
/// on the real program. Without the variable it costs one `getenv`.
public enum CrashPoint {
    public static func reach(_ name: String) {
        guard let wanted = getenv("BOXER_CRASH_AT"), String(cString: wanted) == name else { return }
        kill(getpid(), SIGKILL)
    }
}
