import ArgumentParser
import Foundation
import Machines
import Vagrantfile

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the Vagrantfile.",
        discussion: """
            Reads the project's Vagrantfile (found as Vagrant finds it: walking up from the current \
            folder, or VAGRANT_CWD / VAGRANT_VAGRANTFILE) together with $BOXER_HOME/Vagrantfile, \
            and reports errors and warnings as file:line:col. Exits 0 when the configuration is valid.
            """
    )

    @Flag(help: "Print the machines and their settings as JSON.")
    var json = false

    func run() throws {
        let environment = try VagrantfileLoader.forProject().load()
        for warning in environment.warnings {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        // What `up` would refuse before creating anything is refused here too: forwarded
        // ports and the environment network's static addresses.
        let machines = environment.machines.map { $0.resolved(for: DefaultProvider.choose(for: $0)) }
        do throws(MachineError) {
            _ = try StaticAddresses.plan(machines)
            for machine in machines { try PortAllocator.checkForwards(machine) }
        } catch {
            throw CommandError(error.message)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(environment), as: UTF8.self))
        } else {
            for line in environment.output { print(line) }
            print("Vagrantfile validated successfully.")
        }
    }
}
