import ArgumentParser
import BoxerSupport
import Foundation
import Machines
import Vagrantfile

struct Validate: ParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the Vagrantfile.",
        discussion: """
            Reads the project's Vagrantfile (found as Vagrant finds it: walking up from the current \
            folder, or VAGRANT_CWD / VAGRANT_VAGRANTFILE) together with $BOXER_HOME/Vagrantfile, \
            and reports errors and warnings as file:line:col. Exits 0 when the configuration is valid.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the machines and their settings as JSON.")
    var json = false

    func run() throws {
        let output = global.makeOutput()
        let environment = try VagrantfileLoader.forProject().load()
        for warning in environment.warnings { output.warn(warning.description) }
        try environment.checkProblems()
        // What `up` would refuse before creating anything is refused here too: forwarded
        // ports and the environment network's static addresses.
        let providers = environment.machines.map { DefaultProvider.choose(for: $0) }
        for (machine, provider) in zip(environment.machines, providers) {
            output.targeting(machine.name).record("metadata", "provider", provider)
        }
        let machines = zip(environment.machines, providers).map { $0.resolved(for: $1) }
        _ = try StaticAddresses.plan(machines)
        for machine in machines { try PortAllocator.checkForwards(machine) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            output.text(String(decoding: try encoder.encode(environment), as: UTF8.self))
        } else {
            output.say("Vagrantfile validated successfully.")
        }
    }
}
