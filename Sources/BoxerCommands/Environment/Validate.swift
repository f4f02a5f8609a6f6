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

    // Vagrant's `validate -p`: boxer's validation never fails on provider settings (they only
    // warn), so the flag changes nothing; it is accepted so that Vagrant's command line works.
    @Flag(
        name: [.customShort("p"), .customLong("ignore-provider")],
        help: "Accepted for Vagrant's `validate -p`; provider settings only warn.")
    var ignoreProvider = false

    func run() throws {
        let output = global.makeOutput()
        let environment = try VagrantfileLoader.forProject().load()
        for warning in environment.warnings { output.warn(warning.description) }
        try environment.checkProblems { DefaultProvider.choose(for: $0) }
        // What `up` would refuse and Vagrant leaves to the provider (static addresses boxer's network
        // cannot give, forwards on an address that is not one) is a warning here.
        let providers = environment.machines.map { DefaultProvider.choose(for: $0) }
        for (machine, provider) in zip(environment.machines, providers) {
            output.targeting(machine.name).record("metadata", "provider", provider)
        }
        let machines = zip(environment.machines, providers).map { $0.resolved(for: $1) }
        do throws(MachineError) { _ = try StaticAddresses.plan(machines) } catch {
            output.warn("`boxer up` will refuse this: \(error.message)")
        }
        for machine in machines {
            do throws(MachineError) { try PortAllocator.checkForwards(machine) } catch {
                output.warn("`boxer up` will refuse this: \(error.message)")
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            output.text(String(decoding: try encoder.encode(environment), as: UTF8.self))
        } else {
            output.say("Vagrantfile validated successfully.")
        }
    }
}
