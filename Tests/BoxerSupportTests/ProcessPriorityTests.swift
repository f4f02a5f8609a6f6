import BoxerSupport
import Foundation
import Testing

@Suite struct ProcessPriorityTests {
    /// A process started from a thread that libdispatch gave nice -2 runs at -2; boxer puts the
    /// processes it leaves running back to its own priority.
    @Test func longLivedChildrenRunAtBoxersOwnPriority() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["10"]
        try child.run()
        // SIGKILL: a child of the test runner may inherit a mask that blocks SIGTERM.
        defer {
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
        }
        let pid = child.processIdentifier
        let raised = ProcessPriority.own - 2
        // Only a privileged process may raise a priority (as libdispatch does only then).
        try #require(setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(pid), raised) == 0 || getuid() != 0)
        ProcessPriority.normalize(pid)
        errno = 0
        #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(pid)) == ProcessPriority.own)
    }
}
