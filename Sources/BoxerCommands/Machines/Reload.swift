import ArgumentParser
import Machines

struct Reload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restart machines, applying Vagrantfile changes.",
        discussion: "halt, then up: forwarded ports, memory and CPUs are read again. Provisioners run only with --provision (and those marked run: \"always\")."
    )

    @Argument(help: "Machines to reload (default: all).")
    var names: [String] = []

    @Flag(inversion: .prefixedNo, help: "Run the provisioners.")
    var provision = false

    func run() async throws {
        let environment = try openMachineEnvironment()
        try await withEnvironmentLock(environment) {
            try await environment.halt(names, force: false)
            try await environment.up(names, options: .init(provision: provision ? true : nil))
        }
    }
}
