import ArgumentParser
import BoxerSupport
import Machines

struct Halt: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop the machines of this environment.",
        discussion:
            "Asks each guest to shut down (ACPI power button) and waits up to config.vm.graceful_halt_timeout (60 s), then powers it off. --force powers off at once."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Machines to stop (default: all).")
    var names: [String] = []

    @Flag(name: .shortAndLong, help: "Power off without asking the guest.")
    var force = false

    func run() async throws {
        let output = global.makeOutput()
        let environment = try openMachineEnvironment(output: output)
        try await withEnvironmentLock(environment, command: "halt") {
            try await environment.halt(names, force: force)
        }
    }
}
