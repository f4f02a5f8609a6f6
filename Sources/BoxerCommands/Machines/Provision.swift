import ArgumentParser
import Machines

struct Provision: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the provisioners of running machines.",
        discussion: "Runs every provisioner (or only --provision-with ones) against the running machines, streaming their output with the machine's name."
    )

    @Argument(help: "Machines to provision (default: all).")
    var names: [String] = []

    @Option(help: "Run only these provisioners (by name or type), comma-separated.")
    var provisionWith: String?

    func run() async throws {
        let environment = try openMachineEnvironment()
        let only = provisionWith?.split(separator: ",").map(String.init) ?? []
        try await withEnvironmentLock(environment) {
            try await environment.provision(names, only: only)
        }
    }
}
