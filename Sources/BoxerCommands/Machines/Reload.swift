import ArgumentParser
import Machines

struct Reload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restart machines, applying Vagrantfile changes.",
        discussion: "halt, then up: forwarded ports, memory and CPUs are read again. Provisioners run only with --provision (and those marked run: \"always\")."
    )

    @Argument(help: "Machines to reload (default: all).")
    var names: [String] = []

    @Flag(inversion: .prefixedNo, help: "Run the provisioners (default: only those marked run: \"always\").")
    var provision: Bool?

    func run() async throws {
        let environment = try openMachineEnvironment()
        try await withEnvironmentLock(environment) {
            // Only machines that exist are reloaded; the others are left as they are, as Vagrant does.
            var created: [String] = []
            for machine in try environment.machines(names) {
                if try await environment.state(of: machine).state == .notCreated {
                    ConsoleMachineOutput().say(machine.name, "VM not created. Moving on...")
                } else {
                    created.append(machine.name)
                }
            }
            guard !created.isEmpty else { return }
            try await environment.halt(created, force: false)
            try await environment.up(created, options: .init(provision: provision))
        }
    }
}
