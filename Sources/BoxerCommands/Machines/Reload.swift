import ArgumentParser
import BoxerSupport
import Machines

struct Reload: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restart machines, applying Vagrantfile changes.",
        discussion:
            "halt, then up: forwarded ports, memory and CPUs are read again. Provisioners run only with --provision (and those marked run: \"always\")."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Machines to reload (default: all).")
    var names: [String] = []

    @Flag(inversion: .prefixedNo, help: "Run the provisioners (default: only those marked run: \"always\").")
    var provision: Bool?

    func run() async throws {
        let output = global.makeOutput()
        let environment = try openMachineEnvironment(output: output, validated: true)
        try await withEnvironmentLock(environment, command: "reload") {
            // Only machines that exist are reloaded; the others are left as they are, as Vagrant does.
            try await environment.reload(names, options: .init(provision: provision))
        }
    }
}
