import ArgumentParser
import BoxerSupport
import Machines

struct Resume: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continue suspended machines.",
        discussion: "Continues machines paused by `boxer suspend` (QEMU: QMP cont)."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Machines to resume (default: all).")
    var names: [String] = []

    func run() async throws {
        let output = global.makeOutput()
        let environment = try openMachineEnvironment(output: output)
        try await withEnvironmentLock(environment, command: "resume") {
            try await environment.resume(names)
        }
    }
}
