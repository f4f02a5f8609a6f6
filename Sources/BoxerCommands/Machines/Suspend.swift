import ArgumentParser
import BoxerSupport
import Machines

struct Suspend: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pause running machines.",
        discussion: "Stops the machines' CPUs (QEMU: QMP stop); they keep their memory. `boxer resume` or `boxer up` continues them."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Machines to suspend (default: all).")
    var names: [String] = []

    func run() async throws {
        let output = global.makeOutput()
        let environment = try openMachineEnvironment(output: output)
        try await withEnvironmentLock(environment, command: "suspend") {
            try await environment.suspend(names)
        }
    }
}
