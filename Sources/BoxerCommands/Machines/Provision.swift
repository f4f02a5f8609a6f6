import ArgumentParser
import BoxerSupport
import Machines

struct Provision: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the provisioners of running machines.",
        discussion:
            "Runs every provisioner (or only --provision-with ones) against the running machines, streaming their output with the machine's name."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Machines to provision (default: all).")
    var names: [String] = []

    @Option(help: "Run only these provisioners (by name or type), comma-separated.")
    var provisionWith: String?

    func run() async throws {
        let output = global.makeOutput()
        let environment = try openMachineEnvironment(output: output, validated: true)
        let only = provisionWith?.split(separator: ",").map(String.init) ?? []
        try await withEnvironmentLock(environment, command: "provision") {
            try await environment.provision(names, only: only)
        }
    }
}
