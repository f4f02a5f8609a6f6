import ArgumentParser
import Machines

struct Suspend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pause running machines.",
        discussion: "Stops the machines' CPUs (QEMU: QMP stop); they keep their memory. `boxer resume` or `boxer up` continues them."
    )

    @Argument(help: "Machines to suspend (default: all).")
    var names: [String] = []

    func run() async throws {
        let environment = try openMachineEnvironment()
        try await withEnvironmentLock(environment) {
            try await environment.suspend(names)
        }
    }
}

struct Resume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continue suspended machines.",
        discussion: "Continues machines paused by `boxer suspend` (QEMU: QMP cont)."
    )

    @Argument(help: "Machines to resume (default: all).")
    var names: [String] = []

    func run() async throws {
        let environment = try openMachineEnvironment()
        try await withEnvironmentLock(environment) {
            try await environment.resume(names)
        }
    }
}
