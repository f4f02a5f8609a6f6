#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The scheduling priority of the processes boxer leaves running (QEMU, the network switch).
///
/// On Linux, libdispatch gives its worker threads the nice value of their quality of service
/// (-2 for the default class, where the process may raise its priority, as root can), and a
/// process started from such a thread inherits it. Left alone, every VM boxer starts would run
/// ahead of the user's other programs. They are put back to the process's own value, which is
/// the main thread's.
public enum ProcessPriority {
    #if os(Linux)
        static let process = __priority_which_t(PRIO_PROCESS.rawValue)
    #else
        static let process = PRIO_PROCESS
    #endif

    /// The nice value of this process's main thread.
    public static var own: Int32 {
        errno = 0
        return getpriority(process, id_t(getpid()))
    }

    /// Gives every thread of `pid` this process's own nice value (threads it creates later
    /// inherit it from them).
    public static func normalize(_ pid: pid_t) {
        #if os(Linux)
            let target = own
            let tasks = HostFiles.entries(of: "/proc/\(pid)/task").compactMap { id_t($0) }
            for task in tasks.isEmpty ? [id_t(pid)] : tasks {
                errno = 0
                let current = getpriority(process, task)
                if errno == 0, current != target { _ = setpriority(process, task, target) }
            }
        #endif
    }
}
