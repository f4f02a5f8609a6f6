import ArgumentParser
import BoxerSupport
import Foundation
import Machines

struct Destroy: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop and delete the machines of this environment.",
        discussion:
            "Removes each machine's disk, seed, sockets, folder and machine index entry. Asks first unless --force; without a terminal to ask on, --force is required."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Machines to destroy (default: all).")
    var names: [String] = []

    @Flag(name: .shortAndLong, help: "Destroy without asking.")
    var force = false

    @Flag(name: .shortAndLong, help: "Shut the machines down gracefully before destroying them.")
    var graceful = false

    func run() async throws {
        let output = global.makeOutput()
        let environment = try openMachineEnvironment(output: output)
        if !force {
            guard isatty(STDIN_FILENO) == 1, !output.isMachineReadable else {
                throw CommandError.noTerminalToAsk(command: "destroy")
            }
            let targets = names.isEmpty ? environment.environment.machines.map(\.name) : names
            output.ask("Destroy \(targets.joined(separator: ", "))? [y/N] ")
            guard let answer = readLine(), answer.lowercased().hasPrefix("y") else {
                output.say("Nothing destroyed.")
                return
            }
        }
        try await withEnvironmentLock(environment, command: "destroy") {
            try await environment.destroy(names, graceful: graceful)
        }
    }
}
